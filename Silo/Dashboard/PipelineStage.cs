namespace DistInfer.Silo.Dashboard;

/// <summary>One pipeline stage of a deployed model.</summary>
public sealed class PipelineStage
{
    public string Model { get; init; } = "";
    public int Stage { get; init; }
    public string Silo { get; init; } = "";
    public int FirstLayer { get; init; }
    public int LastLayer { get; init; }

    /// <summary>Busy fraction, 0..1.</summary>
    public double Utilization { get; init; }
}
