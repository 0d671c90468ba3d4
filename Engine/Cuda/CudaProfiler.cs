using System.Text;

namespace DistInfer.Engine.Cuda;

/// <summary>
/// Optional per-kernel timing for benchmarks: when enabled, every launch is bracketed by events and synchronised,
/// so totals per kernel name add up (and the forward runs slower). Off by default; not for graphs.
/// </summary>
public sealed class CudaProfiler
{
    private readonly Dictionary<string, (double Ms, long Calls)> _totals = new(StringComparer.Ordinal);

    public static CudaProfiler? Current { get; set; }

    public void Add(string name, double ms)
    {
        _totals.TryGetValue(name, out var t);
        _totals[name] = (t.Ms + ms, t.Calls + 1);
    }

    public void Reset() => _totals.Clear();

    public string Report()
    {
        double total = _totals.Values.Sum(v => v.Ms);
        var sb = new StringBuilder();
        foreach (var (name, v) in _totals.OrderByDescending(p => p.Value.Ms))
        {
            sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
                $"  {name,-28} {v.Ms,9:F3} ms {100 * v.Ms / total,5:F1}% {v.Calls,7} calls {1000 * v.Ms / v.Calls,8:F1} us/call");
        }

        return sb.ToString();
    }

    internal static void Time(CudaStream stream, string name, Action launch)
    {
        var p = Current;
        if (p is null)
        {
            launch();
            return;
        }

        var start = stream.Record();
        launch();
        var end = stream.Record();
        p.Add(name, stream.ElapsedMilliseconds(start, end));
    }
}
