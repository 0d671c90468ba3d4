using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;
using DistInfer.Runtime;
using DistInfer.Runtime.Streams;

namespace DistInfer.Cluster.Tests.Fabric;

/// <summary>The results grain of the stream transport forgets what its executor gave up on.</summary>
public sealed class PipelineResultsGrainTests
{
    [Fact]
    public async Task Abandon_TakeWaitingThenResultArrivesLate_ResultIsNotKept()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var key = Guid.NewGuid().ToString("N");
        var results = cluster.GrainFactory.GetGrain<IPipelineResultsGrain>(key);
        var stream = cluster.GrainFactory.GetMemoryStreamProvider(PipelineStreams.Provider)
            .GetStream<MicroBatchResult>(StreamId.Create(PipelineStreams.Results, key));

        // As StreamPipeline does: the take is issued first, and abandoned when the micro-batch is declared lost.
        Assert.False(await results.Holds(1));
        var abandoned = results.Take(1);
        await results.Abandon(1);
        await Assert.ThrowsAnyAsync<Exception>(() => abandoned);

        // The micro-batch was only late: its result arrives after all, then another one's (delivered in order).
        var next = results.Take(2);
        await stream.OnNextAsync(new MicroBatchResult { Id = 1, Logits = [1f] });
        await stream.OnNextAsync(new MicroBatchResult { Id = 2, Logits = [2f] });
        var logits = await next;
        Assert.Equal(new[] { 2f }, logits);

        Assert.False(await results.Holds(1));
    }
}
