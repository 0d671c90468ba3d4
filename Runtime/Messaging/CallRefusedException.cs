namespace DistInfer.Runtime.Messaging;

/// <summary>
/// A silo refused a call because of who sent it: a peer of another cluster id or wire protocol version. The message
/// names both sides' values; retrying cannot help.
/// </summary>
public sealed class CallRefusedException : InvalidOperationException
{
    public CallRefusedException()
    {
    }

    public CallRefusedException(string message)
        : base(message)
    {
    }

    public CallRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
