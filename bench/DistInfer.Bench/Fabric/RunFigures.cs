namespace DistInfer.Bench.Fabric;

/// <summary>One generation run: end-to-end tokens/s, each full decode step's duration and this process's CPU time over it, and the GC's pauses in it.</summary>
internal sealed record RunFigures(double TokensPerSecond, double[] DecodeMs, double[] DecodeCpuMs, long FromTicks, long ToTicks, double GcPauseMs)
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The 1-minute load average (Linux), for the record of a shared machine.</summary>
    public static string Load()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
