using Microsoft.Extensions.Logging;

namespace DistInfer.Runtime.Streams.Redis;

internal static partial class RedisStreamProviderLog
{
    [LoggerMessage(1, LogLevel.Warning, "Stream provider {Provider}: entry {Token} names no stream; skipped")]
    public static partial void NoStream(ILogger logger, string provider, string token);

    [LoggerMessage(2, LogLevel.Information, "Stream provider {Provider}: delivering {Stream} item {Token} to {Consumer} failed (attempt {Attempt}); retrying")]
    public static partial void DeliveryRetry(ILogger logger, string provider, string stream, string token, string consumer, int attempt, Exception exception);

    [LoggerMessage(3, LogLevel.Error, "Stream provider {Provider}: gave up delivering {Stream} item {Token} to {Consumer} after {Attempt} attempts; it stays in Redis (ResumeAsync from its token)")]
    public static partial void DeliveryGivenUp(ILogger logger, string provider, string stream, string token, string consumer, int attempt, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Stream provider {Provider}: {Stream} item {Token} does not deserialize as {Type} while rewinding; skipped")]
    public static partial void RewindUndeserializable(ILogger logger, string provider, string stream, string token, string type, Exception exception);

    [LoggerMessage(5, LogLevel.Information, "Stream provider {Provider}: pulling agent started on {Silo} ({Queues} queues)")]
    public static partial void AgentStarted(ILogger logger, string provider, string silo, int queues);
}
