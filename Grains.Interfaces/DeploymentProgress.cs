using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>A model's deployment progress: every activation's weight loading, and whether all have their weights.</summary>
[GenerateSerializer]
public sealed record DeploymentProgress
{
    [Id(0)] public string Model { get; init; } = "";
    [Id(1)] public List<WeightLoadProgress> Activations { get; init; } = [];

    /// <summary>True once the deployment finished (every activation loaded).</summary>
    [Id(2)] public bool Complete { get; init; }
    [Id(3)] public string? Error { get; init; }

    public long BytesTotal => Sum(static a => a.BytesTotal);

    public long BytesLoaded => Sum(static a => a.Phase == WeightLoadPhase.Loaded ? a.BytesTotal : a.BytesLoaded);

    public long BytesToFetch => Sum(static a => a.BytesToFetch);

    public long BytesFetched => Sum(static a => a.BytesFetched);

    public int LoadedActivations => Activations.Count(static a => a.Phase == WeightLoadPhase.Loaded);

    /// <summary>0..1: loaded activations count whole; the others by bytes loaded of their total.</summary>
    public double Fraction
    {
        get
        {
            if (Activations.Count == 0)
            {
                return Complete ? 1 : 0;
            }

            var sum = 0.0;
            foreach (var a in Activations)
            {
                sum += Of(a);
            }

            return sum / Activations.Count;
        }
    }

    /// <summary>One activation's share done: shipping (when it ships) and loading weigh half each.</summary>
    public static double Of(WeightLoadProgress a)
    {
        if (a.Phase == WeightLoadPhase.Loaded)
        {
            return 1;
        }

        if (a.BytesTotal <= 0)
        {
            return 0;
        }

        var loaded = Math.Min(1, (double)a.BytesLoaded / a.BytesTotal);
        return a.BytesToFetch > 0 ? 0.5 * Math.Min(1, (double)a.BytesFetched / a.BytesToFetch) + 0.5 * loaded : loaded;
    }

    private long Sum(Func<WeightLoadProgress, long> field)
    {
        long total = 0;
        foreach (var a in Activations)
        {
            total += field(a);
        }

        return total;
    }
}
