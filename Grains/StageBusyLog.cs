namespace DistInfer.Grains;

/// <summary>
/// The most recent busy intervals of a stage (UTC ticks, so stages on different silos of one machine compare), kept
/// in a ring so status stays small; utilisation is busy time over the span those intervals cover.
/// </summary>
internal sealed class StageBusyLog(int capacity = 256)
{
    private readonly long[] _starts = new long[capacity];
    private readonly long[] _ends = new long[capacity];
    private int _next;
    private int _count;

    public void Record(DateTimeOffset start, DateTimeOffset end)
    {
        _starts[_next] = start.UtcTicks;
        _ends[_next] = end.UtcTicks;
        _next = (_next + 1) % _starts.Length;
        _count = Math.Min(_count + 1, _starts.Length);
    }

    /// <summary>Start and end ticks of the recorded intervals, oldest first.</summary>
    public (long[] Starts, long[] Ends) Snapshot()
    {
        var starts = new long[_count];
        var ends = new long[_count];
        var first = (_next - _count + _starts.Length) % _starts.Length;
        for (var i = 0; i < _count; i++)
        {
            starts[i] = _starts[(first + i) % _starts.Length];
            ends[i] = _ends[(first + i) % _ends.Length];
        }

        return (starts, ends);
    }
}
