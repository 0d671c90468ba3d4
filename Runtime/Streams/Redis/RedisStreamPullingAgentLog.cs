using Microsoft.Extensions.Logging;

namespace DistInfer.Runtime.Streams.Redis;

internal static partial class RedisStreamPullingAgentLog
{
    [LoggerMessage(1, LogLevel.Information, "Silo {Silo} now consumes stream queues [{Queues}]")]
    public static partial void Owned(ILogger logger, string silo, string queues);

    [LoggerMessage(2, LogLevel.Warning, "Consumer of stream queue {Queue} failed; restarting it")]
    public static partial void ConsumerFailed(ILogger logger, string queue, Exception exception);
}
