using DistInfer.Grains;
using DistInfer.Runtime.Messaging;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>Makes one stage fail every micro-batch as a stage whose expert's silo is killed and not yet declared dead.</summary>
internal sealed class UnreachableSiloStageListener(string stageKey) : IStageActivityListener
{
    public const string Message = "Cannot connect to 127.0.0.1:1@1: ConnectionRefused";

    public ValueTask OnBusyAsync(string stage, StageStep step) =>
        stage == stageKey ? throw new SiloUnavailableException(Message) : ValueTask.CompletedTask;
}
