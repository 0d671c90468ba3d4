using System.Globalization;
using DistInfer.Bench.Runtime;
using DistInfer.Runtime;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

// Runtime benchmark: grain calls local / client->silo / silo->silo on loopback beside a raw TCP echo with the same
// frame size, and 1 MiB payload calls beside raw TCP, all in one run. The cases are measured interleaved, round after
// round, and each figure is the median over rounds, so load from other processes hits all cases alike; the ratios
// to the raw baselines are taken per round, then their median.
// Usage: distinfer-bench-runtime [seconds per case and round] [all|small|payload|<case name part>] [rounds]
var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
var only = args.Length > 1 ? args[1] : "all";
var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
var duration = TimeSpan.FromSeconds(seconds);
const int InFlight = 32;
const int PayloadInFlight = 4;
const int LatencySamples = 2000;

var membership = new InProcessClusterMembership();
var silos = new List<Silo>();
for (var i = 0; i < 2; i++)
{
    var services = new ServiceCollection();
    services.AddSingleton<IClusterMembershipService>(membership);
    var index = i;
    services.AddDistInferSilo(o => o.Name = "bench" + index);
    var silo = services.BuildServiceProvider().GetRequiredService<Silo>();
    await silo.StartAsync();
    silos.Add(silo);
}

var clientOptions = new ClusterClientOptions();
clientOptions.Gateways.Add($"127.0.0.1:{silos[1].Address.Port}");
await using var client = new ClusterClient(Options.Create(clientOptions));
await client.ConnectAsync();

// Grains 0..InFlight-1 live on silo 1 (activated there first: PreferLocal).
var onSilo1 = Enumerable.Range(0, InFlight).Select(k => silos[1].GrainFactory.GetGrain<IBenchGrain>(k)).ToArray();
foreach (var grain in onSilo1)
{
    await grain.Ping(0);
}

var fromSilo0 = Enumerable.Range(0, InFlight).Select(k => silos[0].GrainFactory.GetGrain<IBenchGrain>(k)).ToArray();
var fromClient = Enumerable.Range(0, InFlight).Select(k => client.GetGrain<IBenchGrain>(k)).ToArray();

var smallFrame = PingFrameSize();
var rawSmall = new RawEcho(acknowledgeOnly: false);
await rawSmall.StartAsync();
var rawBatched = new BatchedRawEcho();
await rawBatched.StartAsync();
var smallBytes = new byte[smallFrame];
System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(smallBytes, smallFrame - 4);

// 1 MiB payloads: grain calls carrying the bytes and answering their length, beside raw frames of the same size
// acknowledged with 4 bytes (same in-flight depth, loopback, NoDelay, default socket buffers, reused receive memory).
var payload = new byte[1 << 20];
Random.Shared.NextBytes(payload);
using var pooledPayload = PooledBuffer.CopyOf(payload);
var rawBig = new RawEcho(acknowledgeOnly: true);
await rawBig.StartAsync();
var bigFrame = new byte[PayloadFrameSize(payload.Length)];
System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bigFrame, bigFrame.Length - 4);

const string RawBatchedName = "raw tcp echo batched";
const string RawBigName = "raw tcp 1MiB";
var small = new BenchCase[]
{
    new("local (silo1->silo1)", w => onSilo1[w].Ping(w), InFlight, null),
    new("silo0->silo1", w => fromSilo0[w].Ping(w), InFlight, RawBatchedName),
    new("client->silo1", w => fromClient[w].Ping(w), InFlight, RawBatchedName),
    new("raw tcp echo", _ => rawSmall.RoundTripAsync(smallBytes), InFlight, null),
    new(RawBatchedName, _ => rawBatched.RoundTripAsync(smallBytes), InFlight, null),
};
var large = new BenchCase[]
{
    new("silo0->silo1 byte[]", w => fromSilo0[w].Payload(payload), PayloadInFlight, RawBigName),
    new("silo0->silo1 pooled", w => fromSilo0[w].Buffer(pooledPayload), PayloadInFlight, RawBigName),
    new("client->silo1 byte[]", w => fromClient[w].Payload(payload), PayloadInFlight, RawBigName),
    new("client->silo1 pooled", w => fromClient[w].Buffer(pooledPayload), PayloadInFlight, RawBigName),
    new(RawBigName, _ => rawBig.RoundTripAsync(bigFrame), PayloadInFlight, null),
};
var groups = only switch
{
    "small" => [small],
    "payload" => [large],
    "all" => new[] { small, large },

    // Any other word picks the cases whose names contain it, or with a trailing '=' the one named so (for profiling one path).
    _ => [small.Concat(large).Where(c => only.EndsWith('=') ? c.Name == only[..^1] : c.Name.Contains(only, StringComparison.Ordinal)).Select(c => c with { Baseline = null }).ToArray()],
};

Console.WriteLine($"DistInfer runtime benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, "
    + $"{rounds} rounds of {seconds}s per case, interleaved; small: {smallFrame}-byte frames, {InFlight} in flight; "
    + $"payload: {payload.Length} bytes ({bigFrame.Length}-byte raw frames), {PayloadInFlight} in flight");

// Warm every case before measuring any, so JIT tiering has settled for all of them.
foreach (var group in groups)
{
    foreach (var c in group)
    {
        await Measurement.WarmAsync(c.Call, c.InFlight == InFlight ? 2000 : 50);
        await Measurement.ThroughputAsync(c.Call, c.InFlight, TimeSpan.FromSeconds(1));
    }
}

using var sampler = Environment.GetEnvironmentVariable("DISTINFER_BENCH_ALLOCATIONS") == "1" ? new AllocationSampler() : null;
for (var round = 0; round < rounds; round++)
{
    foreach (var group in groups)
    {
        foreach (var c in group)
        {
            // Each case starts from a collected heap and a short warm-up at the same load.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Measurement.ThroughputAsync(c.Call, c.InFlight, TimeSpan.FromSeconds(Math.Min(0.5, seconds / 4)));
            sampler?.Start();
            var sample = await Measurement.SampleAsync(c, duration, c.InFlight == InFlight ? LatencySamples : 100);
            c.Samples.Add(sample);
            if (sampler is not null)
            {
                var calls = sample.Rate * duration.TotalSeconds;
                Console.WriteLine($"allocations of {c.Name} (sampled, bytes per call):");
                foreach (var (type, bytes) in sampler.Stop())
                {
                    Console.WriteLine($"  {bytes / calls,10:N1}  {type}");
                }
            }
        }
    }
}

foreach (var group in groups)
{
    var payloadGroup = group.All(c => c.InFlight == PayloadInFlight);
    Console.WriteLine();
    Console.WriteLine($"{"case",-22}{(payloadGroup ? "GB/s" : "calls/s"),12}{"min-max",22}{"p50 us",9}{"p99 us",9}{"cpu us",9}{"B/call",10}{"gen0",6}{"gen2",6}{"fr/snd",7}{"fr/rcv",7}{"wi/call",8}  vs baseline");
    foreach (var c in group)
    {
        var scale = payloadGroup ? payload.Length / 1e9 : 1;
        var format = payloadGroup ? "N2" : "N0";
        var rates = c.Samples.Select(s => s.Rate * scale).ToArray();
        var ratio = string.Empty;
        if (c.Baseline is { } baselineName)
        {
            var baseline = group.Single(b => b.Name == baselineName);
            var ratios = c.Samples.Zip(baseline.Samples, (a, b) => a.Rate / b.Rate).ToArray();
            ratio = $"{Measurement.Median(ratios):P0} of {baselineName} (rounds {string.Join(", ", ratios.Select(r => r.ToString("P0", CultureInfo.InvariantCulture)))})";
        }

        Console.WriteLine($"{c.Name,-22}{Measurement.Median(rates).ToString(format, CultureInfo.InvariantCulture),12}"
            + $"{$"{rates.Min().ToString(format, CultureInfo.InvariantCulture)}-{rates.Max().ToString(format, CultureInfo.InvariantCulture)}",22}"
            + $"{Measurement.Median(c.Samples.Select(s => s.P50)),9:N1}{Measurement.Median(c.Samples.Select(s => s.P99)),9:N1}"
            + $"{Measurement.Median(c.Samples.Select(s => s.CpuMicroseconds)),9:N2}{Measurement.Median(c.Samples.Select(s => s.AllocatedBytes)),10:N0}"
            + $"{c.Samples.Sum(s => s.Gen0),6}{c.Samples.Sum(s => s.Gen2),6}"
            + $"{Measurement.Median(c.Samples.Select(s => s.FramesPerSend)),7:N1}{Measurement.Median(c.Samples.Select(s => s.FramesPerReceive)),7:N1}"
            + $"{Measurement.Median(c.Samples.Select(s => s.WorkItems)),8:N2}  {ratio}");
    }
}

await rawSmall.DisposeAsync();
await rawBatched.DisposeAsync();
await rawBig.DisposeAsync();
foreach (var silo in silos)
{
    await silo.StopAsync();
}

static int PingFrameSize()
{
    var header = new MessageHeader { Kind = MessageKind.Request, Target = new GrainId(typeof(IBenchGrain).FullName!, "17") };
    using var frame = FrameCodec.Begin(header);
    return frame.WrittenCount + 2; // + the int argument (tag and varint)
}

// The grain call's request frame for a payload: header, attachment table and field tag, then the bytes.
static int PayloadFrameSize(int payloadLength)
{
    var header = new MessageHeader { Kind = MessageKind.Request, Target = new GrainId(typeof(IBenchGrain).FullName!, "17") };
    using var frame = FrameCodec.Begin(header);
    return frame.WrittenCount + 8 + payloadLength;
}
