namespace DistInfer.Engine.Checkpoints;

/// <summary>A malformed or incomplete checkpoint; the message names the file and, where known, the tensor.</summary>
public sealed class CheckpointException : DistInferException
{
    public CheckpointException(string message) : base(message) { }

    public CheckpointException(string message, Exception inner) : base(message, inner) { }
}
