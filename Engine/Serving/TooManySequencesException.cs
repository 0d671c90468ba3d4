namespace DistInfer.Engine.Serving;

/// <summary>
/// A request has more sequences than a batcher can ever hold, running and waiting together: it could never be
/// admitted, so retrying is pointless (HTTP 400, unlike <see cref="OverCapacityException"/>).
/// </summary>
public sealed class TooManySequencesException : DistInferException
{
    public TooManySequencesException(int requested, int capacity)
        : base($"this request needs {requested} sequences (prompts × n), but the model's batcher holds at most {capacity} (running plus waiting); send fewer prompts or a smaller n")
    {
        Requested = requested;
        Capacity = capacity;
    }

    /// <summary>The message alone: how a grain call's caller gets it back (the counts are then 0).</summary>
    public TooManySequencesException(string message)
        : base(message)
    {
    }

    public int Requested { get; }

    public int Capacity { get; }
}
