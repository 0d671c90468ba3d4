namespace DistInfer.Engine.Serving;

/// <summary>
/// Counts the sequences a <see cref="ContinuousBatcher"/> holds (running and waiting, from admission to finish) and
/// admits a request's sequences all together or not at all.
/// </summary>
internal sealed class SequenceAdmission(BatcherOptions options)
{
    private int _held;

    /// <summary>Most sequences held at once: a full running batch plus a full queue.</summary>
    public int Capacity { get; } = options.MaxRunning + options.MaxWaiting;

    /// <summary>
    /// Counts <paramref name="count"/> more sequences as held; throws <see cref="TooManySequencesException"/> when they
    /// could never fit and <see cref="OverCapacityException"/> when they do not fit beside those held now.
    /// </summary>
    public void Reserve(int count)
    {
        if (count > Capacity)
        {
            throw new TooManySequencesException(count, Capacity);
        }

        var held = Volatile.Read(ref _held);
        while (true)
        {
            if (held + count > Capacity)
            {
                throw new OverCapacityException($"over capacity: {held} sequences are running or waiting, so {count} more do not fit (at most {Capacity})");
            }

            var seen = Interlocked.CompareExchange(ref _held, held + count, held);
            if (seen == held)
            {
                return;
            }

            held = seen;
        }
    }

    /// <summary>A held sequence finished (or was ended while waiting).</summary>
    public void Release() => Interlocked.Decrement(ref _held);
}
