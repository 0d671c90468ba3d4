namespace DistInfer.Silo.Metrics;

/// <summary>
/// Counts per wall-clock second over the last <see cref="Seconds"/> seconds (a ring), for the dashboard's rates
/// and charts. Updated where events happen; read only when someone asks.
/// </summary>
public sealed class RateWindow
{
    private readonly TimeProvider _time;
    private readonly long[] _stamps;
    private readonly long[] _counts;
    private readonly Lock _lock = new();

    public RateWindow(TimeProvider time, int seconds = 120)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 2);
        _time = time;
        _stamps = new long[seconds];
        _counts = new long[seconds];
        Array.Fill(_stamps, -1);
    }

    public int Seconds => _counts.Length;

    public void Add(long amount)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var slot = (int)(now % _counts.Length);
        lock (_lock)
        {
            if (_stamps[slot] != now)
            {
                _stamps[slot] = now;
                _counts[slot] = 0;
            }

            _counts[slot] += amount;
        }
    }

    /// <summary>Counts of the last <paramref name="seconds"/> complete seconds, oldest first.</summary>
    public long[] History(int seconds)
    {
        seconds = Math.Clamp(seconds, 1, _counts.Length - 1);
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var result = new long[seconds];
        lock (_lock)
        {
            for (var i = 0; i < seconds; i++)
            {
                var second = now - seconds + i;
                var slot = (int)(second % _counts.Length);
                result[i] = _stamps[slot] == second ? _counts[slot] : 0;
            }
        }

        return result;
    }

    /// <summary>Mean per second over the last <paramref name="seconds"/> complete seconds.</summary>
    public double Rate(int seconds)
    {
        var history = History(seconds);
        long sum = 0;
        foreach (var c in history)
        {
            sum += c;
        }

        return (double)sum / history.Length;
    }
}
