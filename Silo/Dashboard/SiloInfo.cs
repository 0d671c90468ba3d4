namespace DistInfer.Silo.Dashboard;

/// <summary>One silo as the dashboard shows it.</summary>
public sealed class SiloInfo
{
    public string Name { get; init; } = "";
    public string Address { get; init; } = "";

    /// <summary>e.g. Joining, Active, ShuttingDown, Dead.</summary>
    public string Status { get; init; } = "";

    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Process CPU use in percent of the machine (all cores = 100).</summary>
    public double CpuPercent { get; init; }

    public long MemoryUsedBytes { get; init; }

    /// <summary>The silo process's resident memory (the two above are the host's).</summary>
    public long ProcessMemoryBytes { get; init; }
    public long MemoryTotalBytes { get; init; }
    public IReadOnlyList<AcceleratorInfo> Accelerators { get; init; } = [];
}
