namespace DistInfer.Runtime.Serialization;

/// <summary>The bytes do not decode (truncated, malformed) or a type has no serializer.</summary>
public sealed class SerializationException : Exception
{
    public SerializationException(string message)
        : base(message)
    {
    }

    public SerializationException()
    {
    }

    public SerializationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
