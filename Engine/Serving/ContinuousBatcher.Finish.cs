using DistInfer.Engine.Generation;

namespace DistInfer.Engine.Serving;

/// <summary>
/// Ending a sequence. Its KV caches are freed off the step loop: a stage that does not answer (its silo hung but not
/// yet declared dead) held up every later step for the call timeout, once per finishing sequence, one after another.
/// The caller's stream completes, and the batch slot frees, once the caches are gone, as before.
/// </summary>
public sealed partial class ContinuousBatcher
{
    private readonly Lock _releaseGate = new();
    private readonly HashSet<Task> _releases = [];

    private void Finish(BatchSequence s, FinishReason? reason, Exception? error)
    {
        s.Registration.Dispose();
        if (!s.Started)
        {
            Complete(s, reason, error);
            return;
        }

        var release = ReleaseAndCompleteAsync(s, reason, error);
        lock (_releaseGate)
        {
            _releases.Add(release);
        }

        // Added first: a release already done runs this at once and still finds itself in the set.
        _ = release.ContinueWith(
            static (t, state) =>
            {
                var batcher = (ContinuousBatcher)state!;
                lock (batcher._releaseGate)
                {
                    batcher._releases.Remove(t);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task ReleaseAndCompleteAsync(BatchSequence s, FinishReason? reason, Exception? error)
    {
        try
        {
            await _executor.ReleaseAsync(s.Id).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The executor frees what it can reach; a stage that is gone holds nothing to free.
        }
        finally
        {
            Complete(s, reason, error);
        }
    }

    private void Complete(BatchSequence s, FinishReason? reason, Exception? error)
    {
        ReleaseSlot(s);
        if (error is not null)
        {
            s.Output.Writer.TryComplete(error);
            return;
        }

        if (reason == FinishReason.Cancelled)
        {
            s.Output.Writer.TryWrite(new TokenEvent(-1, s.Generated, FinishReason.Cancelled, 0));
        }

        s.Output.Writer.TryComplete();
    }

    /// <summary>Completes when every cache release started so far is done.</summary>
    private Task ReleasesDoneAsync()
    {
        lock (_releaseGate)
        {
            return _releases.Count == 0 ? Task.CompletedTask : Task.WhenAll([.. _releases]);
        }
    }
}
