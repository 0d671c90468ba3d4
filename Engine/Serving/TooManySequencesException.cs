namespace DistInfer.Engine.Serving;

/// <summary>
/// A request has more sequences than a batcher can ever hold, running and waiting together: it could never be
/// admitted, so retrying is pointless (HTTP 400, unlike <see cref="OverCapacityException"/>).
/// </summary>
public sealed class TooManySequencesException(int requested, int capacity)
    : DistInferException($"this request needs {requested} sequences (prompts × n), but the model's batcher holds at most {capacity} (running plus waiting); send fewer prompts or a smaller n")
{
    public int Requested { get; } = requested;

    public int Capacity { get; } = capacity;
}
