using DistInfer.Engine.Serving;
using DistInfer.Runtime;
using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Grains;

/// <summary>
/// The stream transport of a stage: micro-batches arrive on its activation stream (implicit subscription, memory
/// provider), queue here, and a pump computes them one at a time; each output goes on with OnNextAsync to the next
/// stage's stream, or as the result to the executor's results stream. Taking an item only queues it, so the
/// producer's OnNextAsync completes at once and the producer computes its next micro-batch while this stage works.
/// A failure becomes an error item on the results stream, so the executor fails the step instead of waiting.
/// </summary>
public sealed partial class StageGrain
{
    private readonly Queue<MicroBatch> _inbox = new();
    // Keyed by the executor's results key too: each silo's executors number their micro-batches from their own counter.
    private readonly HashSet<(string ReplyTo, long Id)> _held = [];
    private IStreamProvider? _streams;
    private bool _pumping;

    private IStreamProvider Streams => _streams ??= this.GetStreamProvider(PipelineStreams.Provider);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await Streams.GetStream<MicroBatch>(StreamId.Create(PipelineStreams.Activations, this.GetPrimaryKeyString())).SubscribeAsync(OnMicroBatchAsync);
        await TakeHandOffAsync();

        // Listed once active (a failed activation never deactivates, so it must not be listed).
        ServiceProvider.GetService<LocalStages>()?.Add(this.GetPrimaryKeyString());
    }

    public Task<bool> Holds(string replyTo, long microBatchId) => Task.FromResult(_held.Contains((replyTo, microBatchId)));

    private Task OnMicroBatchAsync(MicroBatch item, StreamSequenceToken? token)
    {
        _held.Add((item.ReplyTo, item.Id));
        _inbox.Enqueue(item);
        if (!_pumping)
        {
            _pumping = true;
            _ = PumpAsync();
        }

        return Task.CompletedTask;
    }

    private async Task PumpAsync()
    {
        // Started inside a turn, so it runs on the activation's scheduler: it interleaves with turns at its awaits,
        // never in parallel. The yield lets the delivering turn end before any compute.
        await Task.Yield();
        while (_inbox.TryDequeue(out var item))
        {
            try
            {
                var (output, request) = await RunAsync(item.Step);
                _ = HandOnAsync(item, output, request);
            }
            catch (Exception ex)
            {
                _ = FailAsync(item, ex);
            }
        }

        _pumping = false;
        OnPumpIdle();
    }

    /// <summary>Not awaited by the pump: the hand-off of micro-batch k overlaps the compute of k+1.</summary>
    private async Task HandOnAsync(MicroBatch item, float[] output, StageLoadRequest request)
    {
        try
        {
            if (request.Head)
            {
                // A results grain in this silo keeps the array (it goes on to the executor, which hands it back to the
                // pool); one elsewhere got a copy, so the array is free again.
                if (!await ResultsStream(item.ReplyTo).OnNextSharedAsync(new MicroBatchResult { Id = item.Id, Logits = output }))
                {
                    LogitsPool.Return(output);
                }
            }
            else
            {
                var next = new StageKey(request.Model, request.Replica, request.Stage + 1).ToString();
                await Streams.GetStream<MicroBatch>(StreamId.Create(PipelineStreams.Activations, next))
                    .OnNextAsync(item with { Step = item.Step with { Tokens = [], Hidden = output } });
            }

            _held.Remove((item.ReplyTo, item.Id));
        }
        catch (Exception ex)
        {
            await FailAsync(item, ex);
        }
    }

    private async Task FailAsync(MicroBatch item, Exception error)
    {
        try
        {
            var message = $"stage {this.GetPrimaryKeyString()}: {error.GetType().Name}: {error.Message}";
            await ResultsStream(item.ReplyTo).OnNextAsync(new MicroBatchResult { Id = item.Id, Error = message, SiloUnavailable = error is SiloUnavailableException, StageFull = error is StageFullException });
        }
        catch (Exception)
        {
            // The executor is unreachable; its stall check finds the micro-batch held nowhere and fails the step.
        }
        finally
        {
            _held.Remove((item.ReplyTo, item.Id));
        }
    }

    private IAsyncStream<MicroBatchResult> ResultsStream(string key) => Streams.GetStream<MicroBatchResult>(StreamId.Create(PipelineStreams.Results, key));
}
