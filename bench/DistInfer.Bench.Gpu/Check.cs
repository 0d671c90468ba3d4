namespace DistInfer.Bench.Gpu;

/// <summary>
/// Comparison helpers: relative error = max |got - want| / max |want| (the issue's measure); norm-relative error =
/// ||got - want||₂ / ||want||₂ over all values, which one flipped expert choice on a near-tied token moves far less.
/// </summary>
public static class Check
{
    public static double RelError(ReadOnlySpan<float> got, ReadOnlySpan<float> want)
    {
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < want.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs((double)got[i] - want[i]));
            maxRef = Math.Max(maxRef, Math.Abs((double)want[i]));
        }

        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    public static double NormRelError(ReadOnlySpan<float> got, ReadOnlySpan<float> want)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < want.Length; i++)
        {
            double d = (double)got[i] - want[i];
            diff += d * d;
            norm += (double)want[i] * want[i];
        }

        return norm == 0 ? Math.Sqrt(diff) : Math.Sqrt(diff / norm);
    }

    /// <summary>Both measures side by side, for the INFO lines.</summary>
    public static string Both(ReadOnlySpan<float> got, ReadOnlySpan<float> want) =>
        $"max rel error {RelError(got, want):E2}, norm rel error {NormRelError(got, want):E2}";

    /// <summary>Prints one result line and returns whether it passed.</summary>
    public static bool Report(string name, double error, double tolerance)
    {
        bool ok = error <= tolerance && !double.IsNaN(error);
        Console.WriteLine($"{(ok ? "PASS" : "FAIL")} {name}: max rel error {error:E2} (tolerance {tolerance:E0})");
        return ok;
    }

    public static float[] Random(Random rng, int n, float scale = 1f)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        }

        return a;
    }
}
