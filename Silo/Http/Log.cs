using Microsoft.Extensions.Logging;

namespace DistInfer.Silo.Http;

internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Request {Path} failed")]
    public static partial void RequestFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Request {Path} failed after streaming began: {Message}")]
    public static partial void StreamFailed(ILogger logger, string path, string message);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "GET /v1/models left out {Model}: {Message}")]
    public static partial void ModelNotListed(ILogger logger, string model, string message);
}
