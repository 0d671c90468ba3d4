namespace DistInfer.Silo.Dashboard;

/// <summary>An accelerator (GPU) of a silo.</summary>
public sealed class AcceleratorInfo
{
    public string Name { get; init; } = "";
    public long MemoryUsedBytes { get; init; }
    public long MemoryTotalBytes { get; init; }
    public double UtilizationPercent { get; init; }
}
