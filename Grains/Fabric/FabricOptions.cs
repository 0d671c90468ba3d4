namespace DistInfer.Grains.Fabric;

/// <summary>How the fabric runs steps through a pipeline.</summary>
public sealed class FabricOptions
{
    /// <summary>Micro-batches a step is split into (at most one per sequence); use at least the stage count.</summary>
    public int MicroBatches { get; set; } = 1;

    /// <summary>Re-prefill attempts for a step that failed (lost silo) before its requests fail.</summary>
    public int MaxRecoveryAttempts { get; set; } = 4;

    /// <summary>Wait before a retry, times the attempt number, so membership can declare the lost silo dead.</summary>
    public TimeSpan RecoveryBackoff { get; set; } = TimeSpan.FromMilliseconds(250);
}
