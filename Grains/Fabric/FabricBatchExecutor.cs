using System.Runtime.ExceptionServices;
using DistInfer.Engine.Serving;
using DistInfer.Runtime;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// Runs batch steps through one pipeline replica of a deployed model. A step is split into micro-batches that all
/// enter stage 0 at once; each stage computes them one at a time and passes each on to the next stage on its
/// activation stream (<see cref="StreamPipeline"/>; or by direct calls, <see cref="FabricOptions.Transport"/>), so
/// with m ≥ p micro-batches each of the p stages works on a different one at the same time. The in-flight micro-batches are bounded by m: a step's micro-batches all return before the
/// next step starts. The executor keeps every sequence's tokens; when a stage was lost (a silo died, its grains
/// reactivated elsewhere) the step is retried with a re-prefill of those tokens, which rebuilds the KV caches and
/// continues from the last produced token.
/// </summary>
public sealed partial class FabricBatchExecutor(IGrainFactory grains, DeploymentInfo deployment, int replica, FabricOptions? options = null) : IBatchExecutor
{
    private readonly FabricOptions _options = options ?? new FabricOptions();
    private StreamPipeline? _streams;
    private readonly Dictionary<long, List<int>> _history = [];
    private readonly Lock _lock = new();

    public int VocabSize => deployment.VocabSize;

    public int Replica => replica;

    /// <summary>Steps that needed a re-prefill after a fault (observable in tests and metrics).</summary>
    public int Recoveries => Volatile.Read(ref _recoveries);

    private int _recoveries;

    public async ValueTask<float[]> ForwardAsync(BatchStep step, CancellationToken cancellationToken)
    {
        var b = step.SequenceIds.Length;
        var parts = Math.Clamp(_options.MicroBatches > 0 ? _options.MicroBatches : deployment.Stages, 1, b);
        var offsets = new int[b + 1];
        for (var s = 0; s < b; s++)
        {
            offsets[s + 1] = offsets[s] + step.Counts[s];
        }

        var results = new Task<float[]>[parts];
        var deferred = new List<long>();
        for (var p = 0; p < parts; p++)
        {
            int first = p * b / parts, end = (p + 1) * b / parts;
            results[p] = RunMicroBatchAsync(step, first, end, offsets, deferred, cancellationToken);
        }

        if (parts == 1)
        {
            // The whole step was one micro-batch: its logits are the step's, no second [B, V] array to fill.
            var only = await results[0].ConfigureAwait(false);
            return deferred.Count == 0 ? only : throw Deferred(deferred, only);
        }

        // Every part is awaited even after one failed: returning early would let the batcher release sequences
        // that a later part still runs (and re-remembers), and leave that part's logits out of the pool.
        var logits = LogitsPool.Rent(b * VocabSize);
        Exception? failure = null;
        for (var p = 0; p < parts; p++)
        {
            try
            {
                var part = await results[p].ConfigureAwait(false);
                part.CopyTo(logits, p * b / parts * VocabSize);
                LogitsPool.Return(part);
            }
            catch (Exception e)
            {
                failure ??= e;
            }
        }

        if (failure is not null)
        {
            LogitsPool.Return(logits);
            ExceptionDispatchInfo.Throw(failure);
        }

        return deferred.Count == 0 ? logits : throw Deferred(deferred, logits);
    }

    /// <summary>Back to the pool the last stage takes logits from, when it runs in this process (else just kept here).</summary>
    public void Recycle(float[] logits) => LogitsPool.Return(logits);

    public async ValueTask ReleaseAsync(long sequenceId)
    {
        lock (_lock)
        {
            _history.Remove(sequenceId);
        }

        var release = new List<Task>();
        for (var s = 0; s < deployment.Stages; s++)
        {
            release.Add(Stage(s).Release([sequenceId]));
        }

        try
        {
            await Task.WhenAll(release).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A stage that is gone holds no cache to free; its replacement never saw the sequence.
        }
    }

    private Task<float[]> RunMicroBatchAsync(BatchStep step, int first, int end, int[] offsets, List<long> deferred, CancellationToken cancellationToken)
    {
        var ids = step.SequenceIds[first..end];
        var counts = step.Counts[first..end];
        var tokens = step.Tokens[offsets[first]..offsets[end]];
        int[] expected;
        lock (_lock)
        {
            expected = ids.Select(id => _history.TryGetValue(id, out var h) ? h.Count : -1).ToArray();
        }

        return RunSequencesAsync(ids, counts, tokens, expected, Array.ConvertAll(expected, e => e < 0), deferred, DateTime.UtcNow + _options.RecoveryWindow, cancellationToken);
    }

    /// <summary>
    /// Runs sequences through the pipeline, retried with a re-prefill after a fault until <paramref name="deadline"/>.
    /// With <paramref name="deferred"/>, sequences new to this executor (<paramref name="fresh"/>) that a full stage
    /// refused are left out and listed there.
    /// </summary>
    private async Task<float[]> RunSequencesAsync(long[] ids, int[] counts, int[] tokens, int[] expected, bool[] fresh, List<long>? deferred, DateTime deadline, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var logits = await InStageStepsAsync(ids, counts, tokens, expected).ConfigureAwait(false);
                Remember(ids, counts, tokens);
                return logits;
            }
            catch (StageFullException full) when (deferred is not null && Array.IndexOf(fresh, true) >= 0)
            {
                return await WithFewerFreshAsync(ids, counts, tokens, expected, fresh, full.Room, deferred, deadline, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                // Re-prefill: every sequence of the micro-batch sends all its tokens again into fresh caches.
                Interlocked.Increment(ref _recoveries);
                var backoff = _options.RecoveryBackoff * (attempt + 1);
                await Task.Delay(backoff < _options.MaxRecoveryBackoff ? backoff : _options.MaxRecoveryBackoff, cancellationToken).ConfigureAwait(false);
                await ReloadStagesAsync().ConfigureAwait(false);
                (counts, tokens) = WithHistory(ids, counts, tokens);
                expected = new int[ids.Length];
                ForgetHistory(ids);
            }
        }
    }

    /// <summary>Makes sure every stage has its weights (a stage reactivated on another silo starts empty).</summary>
    private async Task ReloadStagesAsync()
    {
        try
        {
            var loads = new Task[deployment.Stages];
            for (var s = 0; s < deployment.Stages; s++)
            {
                loads[s] = Stage(s).Load(ModelRegistryGrain.StageRequest(deployment, replica, s));
            }

            await Task.WhenAll(loads).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The retry itself reports what is still broken.
        }
    }

    /// <summary>
    /// The micro-batch enters stage 0, which hands its hidden states to stage 1 and so on; the answer is the last
    /// stage's logits: on the results stream (streams transport) or back along the call chain (direct calls).
    /// Failures come back either way, so recovery sees them here.
    /// </summary>
    private Task<float[]> ThroughPipelineAsync(StageStep step) =>
        _options.Transport == PipelineTransport.DirectCalls
            ? Stage(0).Forward(step)
            : (_streams ??= new StreamPipeline(grains, deployment, replica, _options)).RunAsync(step);

    private IStageGrain Stage(int stage) => grains.GetGrain<IStageGrain>(new StageKey(deployment.Name, replica, stage).ToString());

    private void Remember(long[] ids, int[] counts, int[] tokens)
    {
        lock (_lock)
        {
            var offset = 0;
            for (var s = 0; s < ids.Length; s++)
            {
                if (!_history.TryGetValue(ids[s], out var h))
                {
                    _history[ids[s]] = h = [];
                }

                h.AddRange(tokens.AsSpan(offset, counts[s]));
                offset += counts[s];
            }
        }
    }

    private (int[] Counts, int[] Tokens) WithHistory(long[] ids, int[] counts, int[] tokens)
    {
        lock (_lock)
        {
            var newCounts = new int[ids.Length];
            var all = new List<int>();
            var offset = 0;
            for (var s = 0; s < ids.Length; s++)
            {
                var before = _history.TryGetValue(ids[s], out var h) ? h : [];
                all.AddRange(before);
                all.AddRange(tokens.AsSpan(offset, counts[s]));
                newCounts[s] = before.Count + counts[s];
                offset += counts[s];
            }

            return (newCounts, [.. all]);
        }
    }

    private void ForgetHistory(long[] ids)
    {
        lock (_lock)
        {
            foreach (var id in ids)
            {
                _history.Remove(id);
            }
        }
    }
}
