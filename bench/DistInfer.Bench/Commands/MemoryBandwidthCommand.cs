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

    /// <summary>Prints the probe for one thread and all threads; returns the all-threads result.</summary>
    public static MemoryBandwidth.Result Print(long bytes, int runs)
    {
        Console.WriteLine($"memory bandwidth ({bytes >> 20} MiB arrays, {runs}+ runs):");
        MemoryBandwidth.Result last = default;
        foreach (int threads in new[] { 1, Environment.ProcessorCount }.Distinct())
        {
            last = MemoryBandwidth.Probe(bytes, threads, runs);
            Console.WriteLine($"  {threads,2} thread(s): read {last.ReadGBps,6:F1} GB/s best, {last.ReadMedianGBps,6:F1} median   copy {last.CopyGBps,6:F1} GB/s best (read+write bytes)");
        }

        return last;
    }
}
