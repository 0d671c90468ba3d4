using DistInfer.Bench.Fabric;
using DistInfer.Grains;
using DistInfer.Runtime;
using DistInfer.Runtime.Streams;

namespace DistInfer.Bench.Commands;

/// <summary>
/// `stream-hop`: the cost of one pipeline hop on 2 in-process silos (real TCP on loopback), producer on silo 0 and
/// consumer grain on silo 1: a memory-stream item in an implicit-only namespace (what a stage hands the next one),
/// a plain grain call round trip, and the rendezvous lookup that every item paid before implicit-only namespaces.
/// </summary>
internal sealed class StreamHopCommand : IBenchCommand
{
    public string Name => "stream-hop";

    public string Summary => "one stream hop between 2 silos on loopback: item vs grain call vs the old rendezvous lookup";

    public string Usage => "           [--floats 4096 (payload per item)] [--items 2000]";

    public int Run(BenchArgs args)
    {
        var floats = args.Int("floats", 4096);
        var items = args.Int("items", 2000);
        args.RejectUnknown();
        return RunAsync(floats, items).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int floats, int items)
    {
        await using var cluster = await InProcessBenchCluster.StartAsync(2);
        var key = Guid.NewGuid().ToString("N");

        // The results grain is placed next to its first caller: silo 1, so silo 0's items cross the wire.
        var remote = cluster.Silos[1].GrainFactory.GetGrain<IPipelineResultsGrain>(key);
        await remote.Holds(0);
        var consumer = cluster.Factory.GetGrain<IPipelineResultsGrain>(key);
        var stream = cluster.Factory.GetMemoryStreamProvider(PipelineStreams.Provider).GetStream<MicroBatchResult>(StreamId.Create(PipelineStreams.Results, key));
        var payload = new float[floats];
        long id = 0;

        // Abandoned ids are dropped on arrival, so the consumer keeps nothing.
        var ids = Enumerable.Range(1, items * 3).Select(i => (long)i).ToArray();
        await Task.WhenAll(ids.Select(i => consumer.Abandon(i)));

        var item = Measure.Run(() => stream.OnNextAsync(new MicroBatchResult { Id = ++id, Logits = payload }).GetAwaiter().GetResult(), items, maxRuns: items);
        var call = Measure.Run(() => consumer.Holds(-1).GetAwaiter().GetResult(), items, maxRuns: items);

        // Rendezvous grains are hash-placed: some streams' lookups stay local, others cross the wire.
        var lookups = new List<double>();
        for (var k = 0; k < 6; k++)
        {
            var rendezvous = cluster.Factory.GetGrain<IPubSubRendezvousGrain>($"{PipelineStreams.Provider}/{PipelineStreams.Results}/{key}-{k}");
            lookups.Add(Measure.Run(() => rendezvous.GetSubscriptions().GetAwaiter().GetResult(), items / 4, maxRuns: items / 4).MedianSeconds);
        }

        Console.WriteLine($"2 silos, loopback, payload {floats} floats, {items} sequential items per figure (median / best µs):");
        Console.WriteLine($"stream item, implicit-only namespace: {item.MedianSeconds * 1e6,8:F1} / {item.BestSeconds * 1e6,8:F1} µs");
        Console.WriteLine($"grain call round trip (no payload):   {call.MedianSeconds * 1e6,8:F1} / {call.BestSeconds * 1e6,8:F1} µs");
        Console.WriteLine($"rendezvous lookup (each item before): {lookups.Min() * 1e6,8:F1} / {lookups.Max() * 1e6,8:F1} µs (median of the stream whose rendezvous is nearest / farthest, 6 streams)");
        return 0;
    }
}
