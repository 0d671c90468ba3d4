namespace DistInfer.Runtime.Cluster;

/// <summary>Load of a silo, refreshed periodically and read by placement directors.</summary>
public sealed record SiloStatistics
{
    public int ActivationCount { get; init; }

    public int RecentlyUsedActivationCount { get; init; }

    /// <summary>0..1 over all cores.</summary>
    public double CpuUsage { get; init; }

    public int CpuCount { get; init; } = Environment.ProcessorCount;

    public long MemoryTotalBytes { get; init; }

    public long MemoryAvailableBytes { get; init; }

    /// <summary>
    /// This silo process's resident memory (working set). <see cref="MemoryTotalBytes"/> and
    /// <see cref="MemoryAvailableBytes"/> are the host's, the same for every silo on one machine.
    /// </summary>
    public long ProcessMemoryBytes { get; init; }

    public IReadOnlyList<AcceleratorInfo> Accelerators { get; init; } = [];

    /// <summary>All accelerators' memory together (0: none).</summary>
    public long AcceleratorMemoryTotalBytes => Sum(static a => a.MemoryTotalBytes);

    /// <summary>All accelerators' free memory together.</summary>
    public long AcceleratorMemoryFreeBytes => Sum(static a => a.MemoryFreeBytes);

    public DateTime UpdatedUtc { get; init; }

    private long Sum(Func<AcceleratorInfo, long> bytes)
    {
        long sum = 0;
        foreach (var accelerator in Accelerators)
        {
            sum += bytes(accelerator);
        }

        return sum;
    }
}
