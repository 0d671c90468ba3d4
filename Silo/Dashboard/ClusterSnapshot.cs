namespace DistInfer.Silo.Dashboard;

/// <summary>The cluster at one moment.</summary>
public sealed class ClusterSnapshot
{
    public string ClusterId { get; init; } = "";
    public DateTimeOffset At { get; init; }
    public IReadOnlyList<SiloInfo> Silos { get; init; } = [];

    /// <summary>Activations per grain type per silo.</summary>
    public IReadOnlyList<ActivationCount> Activations { get; init; } = [];

    /// <summary>Where each (model, layer, expert, replica) lives and how loaded it is.</summary>
    public IReadOnlyList<ExpertPlacement> Experts { get; init; } = [];

    public IReadOnlyList<PipelineStage> Pipeline { get; init; } = [];
}
