using DistInfer.Runtime.Invocation;
using DistInfer.Runtime.Tests.Grains;

namespace DistInfer.Runtime.Tests.Unit;

/// <summary>
/// Calls to idle activations run their turn on the caller's thread until a class shows long synchronous turns;
/// then its calls are queued on the thread pool again (so fan-out keeps its parallelism).
/// </summary>
public sealed class InlineTurnTests
{
    [Fact]
    public void RecordInlineTurn_RepeatedSlowTurns_StopsInlining()
    {
        var info = new GrainClassInfo(typeof(TestGrain), [typeof(ITestGrain)]);
        Assert.True(info.InlineTurns);

        info.RecordInlineTurn(TimeSpan.FromMilliseconds(5));
        info.RecordInlineTurn(TimeSpan.FromMilliseconds(5));

        Assert.False(info.InlineTurns);
    }

    [Fact]
    public void RecordInlineTurn_RareSlowTurnAmongShortOnes_KeepsInlining()
    {
        var info = new GrainClassInfo(typeof(TestGrain), [typeof(ITestGrain)]);

        for (var i = 0; i < 10_000; i++)
        {
            // One preempted turn in 20 (a heavily loaded machine): the thread lost the CPU, the grain is not slow.
            info.RecordInlineTurn(i % 20 == 0 ? TimeSpan.FromMilliseconds(4) : TimeSpan.FromMicroseconds(1));
        }

        Assert.True(info.InlineTurns);
    }
}
