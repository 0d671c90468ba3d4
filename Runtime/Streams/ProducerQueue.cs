namespace DistInfer.Runtime.Streams;

/// <summary>Per stream on this process: items go out one after another (order), numbered.</summary>
internal sealed class ProducerQueue
{
    private readonly object _lock = new();
    private Task _tail = Task.CompletedTask;
    private long _sequence;

    public Task Enqueue(Func<long, Task> send)
    {
        lock (_lock)
        {
            var previous = _tail;
            var sequence = ++_sequence;

            // The common case, nothing still going out: no wrapper to wait on it (one state machine less per item).
            var next = previous.IsCompleted ? send(sequence) : RunAfterAsync(previous, sequence, send);
            _tail = next;
            return next;
        }
    }

    private static async Task RunAfterAsync(Task previous, long sequence, Func<long, Task> send)
    {
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The previous item's failure was reported to its own producer call.
        }

        await send(sequence).ConfigureAwait(false);
    }
}
