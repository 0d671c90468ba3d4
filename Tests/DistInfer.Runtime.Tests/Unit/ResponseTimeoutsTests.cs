using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Unit;

public sealed class ResponseTimeoutsTests
{
    /// <summary>Timeout.InfiniteTimeSpan (-1 ms) made a deadline already past: every call failed at the next sweep.</summary>
    [Fact]
    public void Sweep_InfiniteTimeout_NeverExpiresWhileAFiniteOneDoes()
    {
        var time = new FakeTimeProvider();
        using var timeouts = new ResponseTimeouts(time);
        var infinite = new Target(timeouts.DeadlineAfter(Timeout.InfiniteTimeSpan));
        var huge = new Target(timeouts.DeadlineAfter(TimeSpan.MaxValue));
        var finite = new Target(timeouts.DeadlineAfter(TimeSpan.FromSeconds(30)));
        timeouts.Add(infinite);
        timeouts.Add(huge);
        timeouts.Add(finite);

        time.Advance(TimeSpan.FromDays(3));
        timeouts.Sweep();

        Assert.False(infinite.TimedOut);
        Assert.False(huge.TimedOut);
        Assert.True(finite.TimedOut);
    }

    private sealed class Target(long deadline) : ITimeoutTarget
    {
        public bool TimedOut { get; private set; }

        public long DeadlineTimestamp => deadline;

        public void OnTimeout() => TimedOut = true;
    }
}
