using DistInfer.Engine.Kernels;

namespace DistInfer.Bench.Commands;

/// <summary>
/// `sgemm`: the managed kernels against OpenBLAS in one run. Square products in both B layouts (GFLOP/s),
/// decode-shaped GEMVs (GB/s of weight bytes streamed), and the memory bandwidth those should approach.
/// </summary>
internal sealed class SgemmCommand : IBenchCommand
{
    private static readonly int[] DefaultSizes = [256, 1024, 4096];

    public string Name => "sgemm";

    public string Summary => "managed vs OpenBLAS sgemm (GFLOP/s) and decode GEMV (GB/s) with a memory-bandwidth probe";

    public string Usage =>
        "           [--sizes 256,1024,4096] [--shapes MxNxK,...] [--runs 5] [--threads N] [--kernel auto|vector512|vector256|vector128] [--invariant] [--no-membw]";

    public int Run(BenchArgs args)
    {
        int[] sizes = args.IntList("sizes", DefaultSizes);
        int runs = args.Int("runs", 5);
        int threads = args.Int("threads", Environment.ProcessorCount);
        string kernelText = args.Text("kernel") ?? "auto";
        bool skipMembw = args.Flag("no-membw");
        bool invariant = args.Flag("invariant");
        string? shapes = args.Text("shapes");
        args.RejectUnknown();
        if (!Enum.TryParse(kernelText, ignoreCase: true, out ManagedGemmKernel kernel) || !ManagedGemm.IsSupported(kernel))
        {
            throw new BenchUsageException($"--kernel '{kernelText}' is not a kernel this processor runs");
        }

        var managed = new ManagedGemm(threads, kernel);
        OpenBlasGemm? blas = OpenBlasGemm.TryCreate();
        if (blas is not null)
        {
            blas.Threads = threads;
        }

        Console.WriteLine($"date {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} processors, .NET {Environment.Version}");
        Console.WriteLine(managed.Description);
        Console.WriteLine(blas?.Description ?? "openblas: not installed (apt-get install libopenblas0-pthread)");
        Console.WriteLine($"engine default: {Gemm.Describe()}   (OPENBLAS_CORETYPE picks OpenBLAS's kernel set, e.g. SkylakeX for AVX-512)");
        IGemm[] impls = blas is null ? [managed] : [managed, blas];
        if (invariant)
        {
            // The batch-invariant kernels beside the fastest ones: what the row-for-row guarantee costs.
            impls = [new ManagedGemm(threads, kernel) { BatchInvariant = true }, .. impls];
        }

        Console.WriteLine();
        Console.WriteLine($"{"shape m x n x k",-22} {"B layout",-8} {"impl",-9} {"best ms",9} {"median ms",10} {"GFLOP/s",9} {"median",9} {"vs blas",8}");
        foreach (int s in sizes)
        {
            foreach (bool transposeB in new[] { true, false })
            {
                Row(impls, s, s, s, transposeB, runs, bandwidth: false);
            }
        }

        foreach ((int m, int n, int k) in ParseShapes(shapes))
        {
            Row(impls, m, n, k, transposeB: true, runs, bandwidth: false);
        }

        Console.WriteLine();
        Console.WriteLine($"{"GEMV m x n x k",-22} {"B layout",-8} {"impl",-9} {"best ms",9} {"median ms",10} {"GB/s",9} {"median",9} {"vs blas",8}");
        Row(impls, 1, 4096, 4096, true, runs * 4, bandwidth: true);
        Row(impls, 1, 2816, 1024, true, runs * 4, bandwidth: true);
        Row(impls, 4, 4096, 4096, true, runs * 4, bandwidth: true);
        Row(impls, 1, 14336, 4096, true, runs * 2, bandwidth: true);
        Row(impls, 1, 4096, 4096, false, runs * 4, bandwidth: true);

        if (!skipMembw)
        {
            Console.WriteLine();
            MemoryBandwidthCommand.Print(1L << 30, runs);
        }

        return 0;
    }

    private static void Row(IGemm[] impls, int m, int n, int k, bool transposeB, int runs, bool bandwidth)
    {
        var rng = new Random(42);
        float[] a = Fill(new float[m * k], rng);
        float[] b = Fill(new float[n * k], rng);
        float[] c = new float[m * n];
        double? blasRate = null;
        for (int i = impls.Length - 1; i >= 0; i--)
        {
            IGemm g = impls[i];
            int ldb = transposeB ? k : n;
            Measure.Timing t = Measure.Run(() => g.Sgemm(transposeB, m, n, k, a, k, b, ldb, c, n), runs);

            // Throughput rates: GFLOP/s for products, GB/s of B (the weight) for GEMVs.
            double work = bandwidth ? n * (double)k * sizeof(float) : 2.0 * m * n * k;
            double best = work / t.BestSeconds / 1e9, median = work / t.MedianSeconds / 1e9;
            blasRate ??= g is OpenBlasGemm ? best : null;
            string ratio = blasRate is double r && g is not OpenBlasGemm ? $"{best / r,7:P0}" : "";
            Console.WriteLine($"{$"{m} x {n} x {k}",-22} {(transposeB ? "[n,k]" : "[k,n]"),-8} {(g is ManagedGemm { BatchInvariant: true } ? "invariant" : g.Name),-9} {t.BestSeconds * 1e3,9:F3} {t.MedianSeconds * 1e3,10:F3} {best,9:F1} {median,9:F1} {ratio,8}");
        }
    }

    private static IEnumerable<(int M, int N, int K)> ParseShapes(string? text)
    {
        foreach (string shape in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] d = shape.Split('x');
            if (d.Length != 3 || !int.TryParse(d[0], out int m) || !int.TryParse(d[1], out int n) || !int.TryParse(d[2], out int k)
                || m <= 0 || n <= 0 || k <= 0)
            {
                throw new BenchUsageException($"--shapes wants MxNxK items like 8x4096x4096, got '{shape}'");
            }

            yield return (m, n, k);
        }
    }

    private static float[] Fill(float[] x, Random rng)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return x;
    }
}
