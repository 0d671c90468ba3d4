namespace DistInfer.Engine;

/// <summary>
/// A user error (bad checkpoint, bad config, bad request): the message names what is wrong and is shown
/// to the user as one line, without a stack trace.
/// </summary>
public class DistInferException : Exception
{
    public DistInferException(string message) : base(message) { }

    public DistInferException(string message, Exception inner) : base(message, inner) { }
}
