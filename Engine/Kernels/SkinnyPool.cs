using System.Diagnostics;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// Persistent helper threads for decode-sized products. A product is published by bumping a ticket
/// (generation | next part | parts); helpers spin briefly between products, so the tens of products of one
/// decode step are handed over in well under a microsecond instead of a thread-pool wake-up each. Parts are
/// claimed by compare-and-swap on the ticket, so a helper that is descheduled before claiming leaves its
/// parts to the caller instead of stalling it. One product at a time: a second concurrent caller gets false.
/// </summary>
internal sealed class SkinnyPool
{
    /// <summary>How long an idle helper spins before blocking; longer than the gaps inside a decode step.</summary>
    private static readonly TimeSpan SpinTime = TimeSpan.FromMicroseconds(300);

    private static readonly Lazy<SkinnyPool> LazyShared = new(() => new SkinnyPool(Environment.ProcessorCount - 1));

    private readonly Lock _gate = new();
    private readonly Helper[] _helpers;
    private SkinnyJob _job;
    private long _ticket;
    private int _done;
    private int _generation;

    private SkinnyPool(int helpers)
    {
        _helpers = new Helper[Math.Max(0, helpers)];
        for (var i = 0; i < _helpers.Length; i++)
        {
            _helpers[i] = new Helper();
            var thread = new Thread(HelperLoop) { IsBackground = true, Name = $"distinfer-skinny-{i}" };
            thread.Start(_helpers[i]);
        }
    }

    public static SkinnyPool Shared => LazyShared.Value;

    /// <summary>Threads a product can use: the helpers plus the caller.</summary>
    public int Threads => _helpers.Length + 1;

    /// <summary>Runs every part of <paramref name="job"/> on the caller and the helpers; false when busy.</summary>
    public bool TryRun(in SkinnyJob job)
    {
        if (_helpers.Length == 0 || job.Parts > 0xFFFF || !_gate.TryEnter())
        {
            return false;
        }

        try
        {
            _job = job;
            _done = 0;
            var generation = ++_generation;
            Interlocked.Exchange(ref _ticket, ((long)generation << 32) | (uint)job.Parts);
            foreach (var helper in _helpers)
            {
                if (Interlocked.Exchange(ref helper.Sleeping, 0) == 1)
                {
                    helper.Wake.Release();
                }
            }

            Help(generation);
            var spinner = default(SpinWait);
            while (Volatile.Read(ref _done) < job.Parts)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            return true;
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>Claims and runs parts of product <paramref name="generation"/> until none is left.</summary>
    private void Help(int generation)
    {
        while (true)
        {
            var ticket = Volatile.Read(ref _ticket);
            var next = (int)((ticket >> 16) & 0xFFFF);
            if ((int)(ticket >> 32) != generation || next >= (int)(ticket & 0xFFFF))
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _ticket, ticket + (1L << 16), ticket) == ticket)
            {
                // A claimed part keeps the caller waiting, so _job stays as published until it is done.
                SkinnyGemm.RunPart(_job, next);
                Interlocked.Increment(ref _done);
            }
        }
    }

    private void HelperLoop(object? state)
    {
        var helper = (Helper)state!;
        var seen = 0;
        while (true)
        {
            seen = WaitForProduct(helper, seen);
            Help(seen);
        }
    }

    private int WaitForProduct(Helper helper, int seen)
    {
        var start = Stopwatch.GetTimestamp();
        var spinner = default(SpinWait);
        while (true)
        {
            var generation = (int)(Volatile.Read(ref _ticket) >> 32);
            if (generation != seen)
            {
                return generation;
            }

            if (Stopwatch.GetElapsedTime(start) < SpinTime)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
                continue;
            }

            // Announce sleep, then look again: the caller either sees the flag and releases, or we see its ticket.
            Interlocked.Exchange(ref helper.Sleeping, 1);
            generation = (int)(Volatile.Read(ref _ticket) >> 32);
            if (generation != seen && Interlocked.Exchange(ref helper.Sleeping, 0) == 1)
            {
                return generation;
            }

            helper.Wake.Wait();
            start = Stopwatch.GetTimestamp();
            spinner = default;
        }
    }

    private sealed class Helper
    {
        public readonly SemaphoreSlim Wake = new(0);
        public int Sleeping;
    }
}
