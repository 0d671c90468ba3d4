namespace DistInfer.Runtime.Messaging;

/// <summary>The connection to the silo (or gateway) is lost or cannot be made; calls in flight fail at once.</summary>
public sealed class SiloUnavailableException : Exception
{
    public SiloUnavailableException(string message)
        : base(message)
    {
    }

    public SiloUnavailableException()
    {
    }

    public SiloUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
