using System.Diagnostics;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// Persistent helper threads for decode-sized products. A product is published in a slot by bumping its ticket
/// (generation | next part | parts); helpers spin briefly between products, so the tens of products of one
/// decode step are handed over in well under a microsecond instead of a thread-pool wake-up each. Parts are
/// claimed by compare-and-swap on the ticket, so a helper that is descheduled before claiming leaves its
/// parts to the caller instead of stalling it.
/// <para>
/// Several products may run at once (silos of one process: a stage's expert beside another silo's expert grain):
/// each caller works on its own product while the helpers take parts from all of them, so the process keeps one
/// thread per core. (With one slot, a second caller ran on the thread pool with as many threads again, and each
/// product then waited for whichever of its parts the scheduler had set aside.) A caller that finds every slot taken
/// gets false.
/// </para>
/// </summary>
internal sealed class SkinnyPool
{
    /// <summary>How long an idle helper spins before blocking; longer than the gaps inside a decode step.</summary>
    private static readonly TimeSpan SpinTime = TimeSpan.FromMicroseconds(300);

    /// <summary>
    /// How idle helpers spin. The first only pauses: on the 2-core VM its sched_yield calls (about 700 per 640 M decode
    /// step) were each a trip through the hypervisor, and without them the three-silo batch-1 row added less in 16 of 19
    /// alternating pairs. The others yield the core every few iterations: fifteen helpers pausing on a 16-core host
    /// held every core, and the same row added 270-770 µs there instead of 145-180 (bench/RESULTS.md).
    /// DISTINFER_SKINNY_YIELD=1 makes the first yield too, 0 none of them.
    /// </summary>
    private static readonly string? YieldSetting = Environment.GetEnvironmentVariable("DISTINFER_SKINNY_YIELD");

    private static readonly Lazy<SkinnyPool> LazyShared = new(() => new SkinnyPool(Environment.ProcessorCount - 1));

    private readonly Slot[] _slots;
    private readonly Helper[] _helpers;

    /// <summary>Bumped on every publication: what idle helpers watch.</summary>
    private int _published;

    internal SkinnyPool(int helpers, int slots = 4)
    {
        _slots = new Slot[slots];
        for (var i = 0; i < slots; i++)
        {
            _slots[i] = new Slot();
        }

        _helpers = new Helper[Math.Max(0, helpers)];
        for (var i = 0; i < _helpers.Length; i++)
        {
            _helpers[i] = new Helper { Yields = YieldSetting switch { "1" => true, "0" => false, _ => i > 0 } };
            var thread = new Thread(HelperLoop) { IsBackground = true, Name = $"distinfer-skinny-{i}" };
            thread.Start(_helpers[i]);
        }
    }

    public static SkinnyPool Shared => LazyShared.Value;

    /// <summary>Threads a product can use: the helpers plus the caller.</summary>
    public int Threads => _helpers.Length + 1;

    /// <summary>Runs every part of <paramref name="job"/> on the caller and the helpers; false when every slot is busy.</summary>
    public bool TryRun(in SkinnyJob job) => TryRun(job, null, job.Parts);

    /// <summary>
    /// Runs every part of <paramref name="work"/> the same way (attention heads, for one: the thread pool would wake
    /// threads for each layer while the helpers spin); false when every slot is busy.
    /// </summary>
    public bool TryRun(IPartwiseWork work, int parts) => TryRun(default, work, parts);

    private bool TryRun(in SkinnyJob job, IPartwiseWork? work, int parts)
    {
        if (_helpers.Length == 0 || parts > 0xFFFF)
        {
            return false;
        }

        foreach (var slot in _slots)
        {
            // Not the slot this thread is running parts of (a part that runs work of its own): Lock is reentrant, so
            // TryEnter would succeed and the nested product would overwrite the outer one, whose parts then never ran.
            if (!slot.Gate.IsHeldByCurrentThread && slot.Gate.TryEnter())
            {
                try
                {
                    Run(slot, job, work, parts);
                    return true;
                }
                finally
                {
                    slot.Gate.Exit();
                }
            }
        }

        return false;
    }

    private void Run(Slot slot, in SkinnyJob job, IPartwiseWork? work, int parts)
    {
        slot.Job = job;
        slot.Work = work;
        slot.Parts = parts;
        slot.Done = 0;
        var generation = ++slot.Generation;
        Interlocked.Exchange(ref slot.Ticket, ((long)generation << 32) | (uint)parts);
        Interlocked.Increment(ref _published);
        foreach (var helper in _helpers)
        {
            if (Interlocked.Exchange(ref helper.Sleeping, 0) == 1)
            {
                helper.Wake.Release();
            }
        }

        try
        {
            Help(slot, generation);
        }
        finally
        {
            // Even when a part threw: the helpers may still be running others, and the slot must not take the
            // next product (nor its Done count a stale increment) before they finished.
            var spinner = default(SpinWait);
            while (Volatile.Read(ref slot.Done) < parts)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            slot.Work = null;
        }

        if (Interlocked.Exchange(ref slot.Error, null) is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>Claims and runs parts of <paramref name="slot"/>'s product <paramref name="generation"/> until none is left.</summary>
    private static bool Help(Slot slot, int generation)
    {
        var helped = false;
        while (true)
        {
            var ticket = Volatile.Read(ref slot.Ticket);
            var next = (int)((ticket >> 16) & 0xFFFF);
            if ((int)(ticket >> 32) != generation || next >= (int)(ticket & 0xFFFF))
            {
                return helped;
            }

            if (Interlocked.CompareExchange(ref slot.Ticket, ticket + (1L << 16), ticket) == ticket)
            {
                // A claimed part keeps the caller waiting, so the slot's job stays as published until it is done.
                try
                {
                    if (slot.Work is { } work)
                    {
                        work.RunPart(next);
                    }
                    else
                    {
                        SkinnyGemm.RunPart(slot.Job, next);
                    }
                }
                catch (Exception ex)
                {
                    // Thrown on a helper it would end the process; the caller rethrows it once every part is done.
                    Interlocked.CompareExchange(ref slot.Error, ex, null);
                }
                finally
                {
                    Interlocked.Increment(ref slot.Done);
                }

                helped = true;
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

            // Every slot's current product, until a whole pass finds no part left (one published meanwhile is found
            // by the next pass or, once idle, by the changed counter).
            bool helped;
            do
            {
                helped = false;
                foreach (var slot in _slots)
                {
                    helped |= Help(slot, (int)(Volatile.Read(ref slot.Ticket) >> 32));
                }
            }
            while (helped);
        }
    }

    private int WaitForProduct(Helper helper, int seen)
    {
        var start = Stopwatch.GetTimestamp();
        var spinner = default(SpinWait);
        while (true)
        {
            var published = Volatile.Read(ref _published);
            if (published != seen)
            {
                return published;
            }

            if (Stopwatch.GetElapsedTime(start) < SpinTime)
            {
                if (helper.Yields)
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                }
                else
                {
                    Thread.SpinWait(20);
                }

                continue;
            }

            // Announce sleep, then look again: the caller either sees the flag and releases, or we see its counter.
            Interlocked.Exchange(ref helper.Sleeping, 1);
            published = Volatile.Read(ref _published);
            if (published != seen && Interlocked.Exchange(ref helper.Sleeping, 0) == 1)
            {
                return published;
            }

            helper.Wake.Wait();
            start = Stopwatch.GetTimestamp();
            spinner = default;
        }
    }

    private sealed class Slot
    {
        public readonly Lock Gate = new();
        public SkinnyJob Job;
        public IPartwiseWork? Work;
        public int Parts;
        public Exception? Error;
        public long Ticket;
        public int Done;
        public int Generation;
    }

    private sealed class Helper
    {
        public bool Yields { get; init; }

        public readonly SemaphoreSlim Wake = new(0);
        public int Sleeping;
    }
}
