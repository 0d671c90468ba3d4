using DistInfer.Runtime;
using DistInfer.Runtime.Placement;
using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Streams;

namespace DistInfer.Grains;

/// <summary>
/// The reply path of the stream transport: the last stage publishes each micro-batch's result on its executor's
/// results stream, which this grain consumes (implicit, no rendezvous), and the executor awaits it with
/// <see cref="Take"/>, issued before the micro-batch entered stage 0. The executor is not a grain and cannot
/// subscribe; placed on the executor's silo, the extra call stays local. Reentrant: takes wait while results arrive.
/// </summary>
[Reentrant]
[PreferLocalPlacement]
[ImplicitStreamSubscription(PipelineStreams.Results, ImplicitOnly = true)]
public sealed class PipelineResultsGrain : Grain, IPipelineResultsGrain
{
    private const int AbandonedLimit = 4096;
    private readonly Dictionary<long, TaskCompletionSource<MicroBatchResult>> _results = [];
    private readonly HashSet<long> _abandoned = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(PipelineStreams.Provider).GetStream<MicroBatchResult>(StreamId.Create(PipelineStreams.Results, this.GetPrimaryKeyString()));
        await stream.SubscribeAsync(OnResultAsync);
    }

    public async Task<float[]> Take(long id)
    {
        var result = await Slot(id).Task;
        _results.Remove(id);
        return result.Error is null ? result.Logits
            : result.SiloUnavailable ? throw new SiloUnavailableException(result.Error)
            : result.StageFull ? throw new StageFullException(result.Error)
            : throw new PipelineStepFailedException(result.Error);
    }

    public Task<bool> Holds(long id) => Task.FromResult(_results.TryGetValue(id, out var slot) && slot.Task.IsCompleted);

    public Task Abandon(long id)
    {
        if (_results.Remove(id, out var slot))
        {
            if (slot.Task.IsCompleted)
            {
                // Its result came already and goes with the slot: nothing more arrives for it.
                return Task.CompletedTask;
            }

            // A take waits (the executor issues it first): the micro-batch may only be late, so its result is still
            // dropped when it comes, or a slot nobody takes would keep it (and its logits) for the grain's lifetime.
            slot.TrySetException(new OperationCanceledException($"micro-batch {id} was abandoned"));
        }

        if (_abandoned.Count >= AbandonedLimit)
        {
            _abandoned.Clear();
        }

        _abandoned.Add(id);
        return Task.CompletedTask;
    }

    private Task OnResultAsync(MicroBatchResult result, StreamSequenceToken? token)
    {
        if (!_abandoned.Remove(result.Id))
        {
            Slot(result.Id).TrySetResult(result);
        }

        return Task.CompletedTask;
    }

    private TaskCompletionSource<MicroBatchResult> Slot(long id)
    {
        if (!_results.TryGetValue(id, out var slot))
        {
            _results[id] = slot = new TaskCompletionSource<MicroBatchResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return slot;
    }
}
