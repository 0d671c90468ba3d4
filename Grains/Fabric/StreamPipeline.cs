using DistInfer.Runtime;
using DistInfer.Runtime.Streams;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// The executor's side of the stream transport for one pipeline replica: a micro-batch goes onto stage 0's
/// activation stream, and its result comes back on this executor's results stream through its results grain. While
/// a result is late, the executor asks the stages in pipeline order whether one holds the micro-batch; an item only
/// moves forward and is held by its sender until the receiver took it, so a forward pass of checks that finds it
/// nowhere (twice, a period apart) means it was lost with a stage's silo.
/// </summary>
internal sealed class StreamPipeline(IGrainFactory grains, DeploymentInfo deployment, int replica, FabricOptions options)
{
    private const int MissesToFail = 2;
    private static long _nextId;
    private readonly string _resultsKey = Guid.NewGuid().ToString("N");
    private readonly IAsyncStream<MicroBatch> _entry = grains.GetMemoryStreamProvider(PipelineStreams.Provider)
        .GetStream<MicroBatch>(StreamId.Create(PipelineStreams.Activations, new StageKey(deployment.Name, replica, 0).ToString()));

    public async Task<float[]> RunAsync(StageStep step)
    {
        var id = Interlocked.Increment(ref _nextId);
        var results = grains.GetGrain<IPipelineResultsGrain>(_resultsKey);
        var take = results.Take(id);
        try
        {
            await _entry.OnNextAsync(new MicroBatch { Id = id, ReplyTo = _resultsKey, Step = step }).ConfigureAwait(false);
            for (var misses = 0; ;)
            {
                try
                {
                    return await take.WaitAsync(options.StallCheckPeriod).ConfigureAwait(false);
                }
                catch (TimeoutException) when (take.IsFaulted)
                {
                    // The take call's own response timeout, not the stall period: the grain still waits for the
                    // result, so wait again (both takes complete from the same slot) instead of spinning on a failed task.
                    take = results.Take(id);
                }
                catch (TimeoutException)
                {
                    misses = await HeldAsync(id, results).ConfigureAwait(false) ? 0 : misses + 1;
                    if (misses >= MissesToFail)
                    {
                        throw new PipelineStepFailedException(
                            $"micro-batch {id} of {deployment.Name} replica {replica} was lost: no stage holds it and no result came back");
                    }
                }
            }
        }
        catch (Exception)
        {
            _ = take.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            _ = AbandonAsync(results, id);
            throw;
        }
    }

    private async Task<bool> HeldAsync(long id, IPipelineResultsGrain results)
    {
        for (var s = 0; s < deployment.Stages; s++)
        {
            try
            {
                if (await grains.GetGrain<IStageGrain>(new StageKey(deployment.Name, replica, s).ToString()).Holds(_resultsKey, id).ConfigureAwait(false))
                {
                    return true;
                }
            }
            catch (TimeoutException)
            {
                // No answer within the call's timeout: the stage is alive inside one long turn (a long prefill computes
                // without yielding), most likely this micro-batch's. Not a loss; it is asked again next period.
                return true;
            }
        }

        return await results.Holds(id).ConfigureAwait(false);
    }

    private static async Task AbandonAsync(IPipelineResultsGrain results, long id)
    {
        try
        {
            await results.Abandon(id).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The results grain is gone with whatever it held for this micro-batch.
        }
    }
}
