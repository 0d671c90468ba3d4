using Microsoft.Extensions.Logging;

namespace DistInfer.Runtime.Streams.Redis;

internal static partial class RedisStreamConsumerLog
{
    [LoggerMessage(1, LogLevel.Warning, "Stream {Stream}: Redis unavailable for consumer {Consumer}; retrying")]
    public static partial void Unavailable(ILogger logger, string stream, string consumer, Exception exception);

    [LoggerMessage(2, LogLevel.Information, "Stream {Stream}: consumer {Consumer} claimed {Count} entries of a dead consumer")]
    public static partial void Claimed(ILogger logger, string stream, string consumer, int count);
}
