using DistInfer.Runtime.Messaging;
using Microsoft.Extensions.Logging;

namespace DistInfer.Runtime.Hosting;

/// <summary>The silo's log messages.</summary>
public sealed partial class Silo
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Name} started at {Address} in cluster {ClusterId}")]
    private static partial void LogStarted(ILogger logger, string name, string address, string clusterId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Address} drained: {Activations} activations deactivated in {Milliseconds:F0} ms since it announced shutting down")]
    private static partial void LogDrained(ILogger logger, string address, int activations, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Address}: drain cut short after {Seconds:F1} s (timeout or stop cancelled) with {Activations} activations left; leaving anyway")]
    private static partial void LogDrainCut(ILogger logger, string address, int activations, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Address} stopped")]
    private static partial void LogStopped(ILogger logger, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Address} was declared dead by the cluster; stopping")]
    private static partial void LogDeclaredDead(ILogger logger, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Address} runs wire protocol {Theirs} and this build {Ours}: it is left out of placement and the directory, and calls between us are refused (run one DistInfer version per cluster)")]
    private static partial void LogIncompatible(ILogger logger, string address, int theirs, int ours);
}
