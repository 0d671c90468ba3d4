namespace DistInfer.Bench.Commands;

/// <summary>`membw`: main-memory read and copy bandwidth, one thread and all threads.</summary>
internal sealed class MemoryBandwidthCommand : IBenchCommand
{
    public string Name => "membw";

    public string Summary => "main-memory read and copy bandwidth (GB/s), 1 thread and all threads";

    public string Usage => "           [--mib 1024] [--runs 5]";

    public int Run(BenchArgs args)
    {
        int mib = args.Int("mib", 1024);
        int runs = args.Int("runs", 5);
        args.RejectUnknown();
        Print(mib * (1L << 20), runs);
        return 0;
    }

    public static void Print(long bytes, int runs)
    {
        Console.WriteLine($"memory bandwidth ({bytes >> 20} MiB arrays, best of {runs}+):");
        foreach (int threads in new[] { 1, Environment.ProcessorCount }.Distinct())
        {
            MemoryBandwidth.Result r = MemoryBandwidth.Probe(bytes, threads, runs);
            Console.WriteLine($"  {threads,2} thread(s): read {r.ReadGBps,6:F1} GB/s   copy {r.CopyGBps,6:F1} GB/s (read+write bytes)");
        }
    }
}
