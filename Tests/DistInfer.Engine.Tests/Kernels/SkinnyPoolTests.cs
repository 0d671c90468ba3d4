using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Tests.Kernels;

/// <summary>The decode helper pool with more than one product at a time (silos of one process computing together).</summary>
public sealed class SkinnyPoolTests
{
    private const int N = 1024;
    private const int K = 1024;

    [Fact]
    public unsafe void TryRun_TwoCallersAtOnce_BothRunOnThePoolWithRightResults()
    {
        // One helper, two slots: each caller computes its own product while the helper takes parts of both. With one
        // slot the second caller got false (and ran on the thread pool) whenever the first product was running.
        var pool = new SkinnyPool(helpers: 1, slots: 2);
        var rng = new Random(4);
        var a = Enumerable.Range(0, K).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var b = Enumerable.Range(0, N * K).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var expected = new float[N];
        for (var j = 0; j < N; j++)
        {
            var sum = 0.0;
            for (var k = 0; k < K; k++)
            {
                sum += a[k] * b[(j * K) + k];
            }

            expected[j] = (float)sum;
        }

        var refused = 0;
        var outputs = new float[2][];
        using var start = new Barrier(2);
        var callers = Enumerable.Range(0, 2).Select(c => new Thread(() =>
        {
            var output = outputs[c] = new float[N];
            start.SignalAndWait();
            fixed (float* pa = a, pb = b, pc = output)
            {
                var job = new SkinnyJob(new GemmOperands(true, 1, N, K, pa, K, pb, K, pc, N, accumulate: false), 8, N / 8);
                for (var i = 0; i < 40; i++)
                {
                    if (!pool.TryRun(job))
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
            }
        })).ToArray();
        foreach (var caller in callers)
        {
            caller.Start();
        }

        foreach (var caller in callers)
        {
            caller.Join();
        }

        Assert.Equal(0, refused);
        foreach (var output in outputs)
        {
            for (var j = 0; j < N; j++)
            {
                Assert.True(Math.Abs(output[j] - expected[j]) <= 1e-3f * (1 + Math.Abs(expected[j])), $"column {j}: {output[j]} against {expected[j]}");
            }
        }
    }

    [Fact]
    public void TryRun_PartwiseWork_EveryPartRunsOnceOnTheCallerAndTheHelper()
    {
        var pool = new SkinnyPool(helpers: 1, slots: 1);
        var work = new RecordingWork(parts: 500, throwOnHelper: false);

        Assert.True(pool.TryRun(work, 500));

        Assert.All(work.Runs, runs => Assert.Equal(1, runs));
        Assert.Equal(2, work.Threads.Count);
    }

    [Fact]
    public void TryRun_PartThrowsOnTheHelper_CallerGetsItAndThePoolRunsTheNextWork()
    {
        var pool = new SkinnyPool(helpers: 1, slots: 1);

        var error = Assert.Throws<InvalidOperationException>(() => pool.TryRun(new RecordingWork(parts: 50, throwOnHelper: true), 50));
        Assert.Contains("helper part", error.Message, StringComparison.Ordinal);

        var next = new RecordingWork(parts: 50, throwOnHelper: false);
        Assert.True(pool.TryRun(next, 50));
        Assert.All(next.Runs, runs => Assert.Equal(1, runs));
    }

    [Fact]
    public void TryRun_PartOnTheCallerRunsWorkOfItsOwn_EveryPartOfBothRunsOnce()
    {
        // The caller holds its slot while it runs parts; a part that runs a product of its own (an attention head or
        // a gemm on the helpers) must not take that slot again (Lock is reentrant) and overwrite the outer product.
        var pool = new SkinnyPool(helpers: 1, slots: 2);
        var inner = new RecordingWork(parts: 50, throwOnHelper: false);
        var outer = new NestingWork(pool, inner, Environment.CurrentManagedThreadId, parts: 8);

        Assert.True(pool.TryRun(outer, 8));

        Assert.Equal(1, outer.Nested);
        Assert.All(outer.Runs, runs => Assert.Equal(1, runs));
        Assert.All(inner.Runs, runs => Assert.Equal(1, runs));
    }

    /// <summary>Runs <paramref name="inner"/> from the first of its parts that runs on the caller; parts on the helper dawdle.</summary>
    private sealed class NestingWork(SkinnyPool pool, IPartwiseWork inner, int callerThread, int parts) : IPartwiseWork
    {
        private int _nested;

        public int[] Runs { get; } = new int[parts];

        public int Nested => Volatile.Read(ref _nested);

        public void RunPart(int part)
        {
            Interlocked.Increment(ref Runs[part]);
            if (Environment.CurrentManagedThreadId != callerThread)
            {
                Thread.Sleep(2);
            }
            else if (Interlocked.Exchange(ref _nested, 1) == 0 && !pool.TryRun(inner, 50))
            {
                throw new InvalidOperationException("the nested work was refused");
            }
        }
    }

    /// <summary>
    /// Counts each part's runs and the threads they ran on. The first part blocks until a part has run on another
    /// thread (at most 10 s), so both the caller and the helper take parts whatever the scheduler does.
    /// </summary>
    private sealed class RecordingWork(int parts, bool throwOnHelper) : IPartwiseWork
    {
        private readonly Lock _gate = new();
        private readonly ManualResetEventSlim _otherThreadRan = new();
        private int _started;
        private int _firstThread;

        public int[] Runs { get; } = new int[parts];

        public HashSet<int> Threads { get; } = [];

        public void RunPart(int part)
        {
            var thread = Environment.CurrentManagedThreadId;
            Interlocked.Increment(ref Runs[part]);
            lock (_gate)
            {
                Threads.Add(thread);
            }

            if (Interlocked.Increment(ref _started) == 1)
            {
                _firstThread = thread;
                _otherThreadRan.Wait(TimeSpan.FromSeconds(10));
            }
            else if (thread != Volatile.Read(ref _firstThread))
            {
                _otherThreadRan.Set();
            }

            if (throwOnHelper && Thread.CurrentThread.Name?.StartsWith("distinfer-skinny", StringComparison.Ordinal) == true)
            {
                throw new InvalidOperationException($"helper part {part}");
            }
        }
    }
}
