using Microsoft.Extensions.Logging;

namespace DistInfer.Silo.Hosting;

internal static partial class ComputeLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "stage and expert grains compute on {Device}")]
    public static partial void ComputeDevice(ILogger logger, string device);
}
