namespace DistInfer.Silo.Metrics;

/// <summary>A lock-free fixed-bucket histogram (Prometheus style: each bucket counts values &lt;= its bound).</summary>
public sealed class Histogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _sumBits;

    public Histogram(IReadOnlyList<double> bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        _bounds = [.. bounds];
        _counts = new long[_bounds.Length + 1]; // the last slot counts values above every bound
    }

    public void Observe(double value)
    {
        var i = Array.BinarySearch(_bounds, value);
        if (i < 0)
        {
            i = ~i;
        }

        Interlocked.Increment(ref _counts[i]);
        long seen, next;
        do
        {
            seen = Interlocked.Read(ref _sumBits);
            next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + value);
        }
        while (Interlocked.CompareExchange(ref _sumBits, next, seen) != seen);
    }

    public HistogramSnapshot Snapshot()
    {
        // Count is the sum of the buckets read, so +Inf always equals _count even under concurrent updates.
        var counts = new long[_bounds.Length];
        long total = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            var c = Interlocked.Read(ref _counts[i]);
            total += c;
            if (i < counts.Length)
            {
                counts[i] = c;
            }
        }

        return new HistogramSnapshot(_bounds, counts, BitConverter.Int64BitsToDouble(Interlocked.Read(ref _sumBits)), total);
    }
}
