namespace DistInfer.Runtime.Streams.Redis;

/// <summary>Redis could not be reached for a stream operation. Retriable once Redis is back.</summary>
public sealed class RedisStreamUnavailableException : Exception
{
    public RedisStreamUnavailableException()
    {
    }

    public RedisStreamUnavailableException(string message)
        : base(message)
    {
    }

    public RedisStreamUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
