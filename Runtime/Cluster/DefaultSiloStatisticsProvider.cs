namespace DistInfer.Runtime.Cluster;

/// <summary>
/// CPU from process CPU time between samples, memory from the GC's view of the machine, accelerators from the
/// registered <see cref="AcceleratorInfoSource"/> (none without one).
/// </summary>
public sealed class DefaultSiloStatisticsProvider : ISiloStatisticsProvider
{
    private readonly TimeProvider _time;
    private readonly AcceleratorInfoSource? _accelerators;
    private TimeSpan _lastCpu;
    private long _lastTimestamp;

    public DefaultSiloStatisticsProvider(TimeProvider time, AcceleratorInfoSource? accelerators = null)
    {
        _time = time;
        _accelerators = accelerators;
        _lastCpu = Environment.CpuUsage.TotalTime;
        _lastTimestamp = time.GetTimestamp();
    }

    public SiloStatistics GetStatistics(int activationCount)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var elapsed = _time.GetElapsedTime(_lastTimestamp);
        var usage = elapsed > TimeSpan.Zero ? (cpu - _lastCpu) / elapsed / Environment.ProcessorCount : 0;
        _lastCpu = cpu;
        _lastTimestamp = _time.GetTimestamp();
        var memory = GC.GetGCMemoryInfo();
        return new SiloStatistics
        {
            ActivationCount = activationCount,
            CpuUsage = Math.Clamp(usage, 0, 1),
            CpuCount = Environment.ProcessorCount,
            MemoryTotalBytes = memory.TotalAvailableMemoryBytes,
            MemoryAvailableBytes = Math.Max(0, memory.TotalAvailableMemoryBytes - memory.MemoryLoadBytes),
            ProcessMemoryBytes = Environment.WorkingSet,
            Accelerators = _accelerators?.Read() ?? [],
            UpdatedUtc = _time.GetUtcNow().UtcDateTime,
        };
    }
}
