namespace DistInfer.Silo.Metrics;

/// <summary>The most recent request latencies (a ring), for percentiles computed only when asked.</summary>
public sealed class LatencyReservoir
{
    private readonly double[] _values;
    private long _written;

    public LatencyReservoir(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _values = new double[size];
    }

    public void Add(double seconds)
    {
        var i = Interlocked.Increment(ref _written) - 1;
        Volatile.Write(ref _values[i % _values.Length], seconds);
    }

    /// <summary>The <paramref name="quantile"/> (0..1) of the kept latencies by nearest rank; 0 when there are none.</summary>
    public double Percentile(double quantile)
    {
        var n = (int)Math.Min(Interlocked.Read(ref _written), _values.Length);
        if (n == 0)
        {
            return 0;
        }

        var copy = new double[n];
        Array.Copy(_values, copy, n);
        Array.Sort(copy);
        var rank = (int)Math.Ceiling(quantile * n) - 1;
        return copy[Math.Clamp(rank, 0, n - 1)];
    }
}
