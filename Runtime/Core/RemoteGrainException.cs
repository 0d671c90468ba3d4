namespace DistInfer.Runtime;

/// <summary>
/// An exception thrown by a remote grain whose type could not be rebuilt here; carries the original type name,
/// message and remote stack trace.
/// </summary>
public sealed class RemoteGrainException : Exception
{
    public RemoteGrainException(string originalTypeName, string message, string? remoteStackTrace)
        : base($"{originalTypeName}: {message}")
    {
        OriginalTypeName = originalTypeName;
        OriginalMessage = message;
        RemoteStackTrace = remoteStackTrace;
    }

    public RemoteGrainException()
    {
        OriginalTypeName = nameof(Exception);
        OriginalMessage = string.Empty;
    }

    public RemoteGrainException(string message)
        : this(nameof(Exception), message, null)
    {
    }

    public RemoteGrainException(string message, Exception innerException)
        : base(message, innerException)
    {
        OriginalTypeName = nameof(Exception);
        OriginalMessage = message;
    }

    public string OriginalTypeName { get; }

    public string OriginalMessage { get; }

    public string? RemoteStackTrace { get; }
}
