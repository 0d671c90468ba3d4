using System.Runtime.CompilerServices;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// One sweep timer for all calls instead of a timer per call (a per-call timer costs more than a local call itself).
/// Timeouts fire within one sweep period after their deadline. Calls are kept in lock-striped hash sets: adding and
/// removing one allocates nothing (a concurrent dictionary allocated a node per call) and rarely contends.
/// </summary>
internal sealed class ResponseTimeouts : IDisposable
{
    private const int StripeCount = 16;
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMilliseconds(100);
    private readonly HashSet<ITimeoutTarget>[] _stripes = new HashSet<ITimeoutTarget>[StripeCount];
    private readonly TimeProvider _time;
    private readonly ITimer _timer;

    public ResponseTimeouts(TimeProvider time)
    {
        _time = time;
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new HashSet<ITimeoutTarget>(ReferenceEqualityComparer.Instance);
        }

        _timer = time.CreateTimer(static s => ((ResponseTimeouts)s!).Sweep(), this, SweepPeriod, SweepPeriod);
    }

    /// <summary>The timestamp <paramref name="timeout"/> from now; never for <see cref="Timeout.InfiniteTimeSpan"/> or one past the clock's range.</summary>
    public long DeadlineAfter(TimeSpan timeout)
    {
        // Infinite is -1 ms: added as is it made a deadline already past, and every such call failed at the next sweep.
        var now = _time.GetTimestamp();
        var ticks = timeout.TotalSeconds * _time.TimestampFrequency;
        return timeout == Timeout.InfiniteTimeSpan || ticks >= long.MaxValue - now ? long.MaxValue : now + (long)ticks;
    }

    public void Add(ITimeoutTarget target)
    {
        var stripe = StripeOf(target);
        lock (stripe)
        {
            stripe.Add(target);
        }
    }

    public void Remove(ITimeoutTarget target)
    {
        var stripe = StripeOf(target);
        lock (stripe)
        {
            stripe.Remove(target);
        }
    }

    public void Sweep()
    {
        var now = _time.GetTimestamp();
        List<ITimeoutTarget>? expired = null;
        foreach (var stripe in _stripes)
        {
            lock (stripe)
            {
                foreach (var target in stripe)
                {
                    if (target.DeadlineTimestamp <= now)
                    {
                        (expired ??= []).Add(target);
                    }
                }

                if (expired is not null)
                {
                    foreach (var target in expired)
                    {
                        stripe.Remove(target);
                    }
                }
            }

            // Outside the lock: a timed-out call completes its caller, which may start another call.
            if (expired is { Count: > 0 })
            {
                foreach (var target in expired)
                {
                    target.OnTimeout();
                }

                expired.Clear();
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    private HashSet<ITimeoutTarget> StripeOf(ITimeoutTarget target) => _stripes[RuntimeHelpers.GetHashCode(target) & (StripeCount - 1)];
}
