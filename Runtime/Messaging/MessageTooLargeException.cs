namespace DistInfer.Runtime.Messaging;

/// <summary>A message exceeded MessagingOptions.MaxMessageSize; only that call fails, the connection stays up.</summary>
public sealed class MessageTooLargeException : Exception
{
    public MessageTooLargeException(string message)
        : base(message)
    {
    }

    public MessageTooLargeException()
    {
    }

    public MessageTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
