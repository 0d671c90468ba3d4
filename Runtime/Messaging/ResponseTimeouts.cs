using System.Collections.Concurrent;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// One sweep timer for all calls instead of a timer per call (a per-call timer costs more than a local call itself).
/// Timeouts fire within one sweep period after their deadline.
/// </summary>
internal sealed class ResponseTimeouts : IDisposable
{
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<ITimeoutTarget, byte> _targets = new(ReferenceEqualityComparer.Instance);
    private readonly TimeProvider _time;
    private readonly ITimer _timer;

    public ResponseTimeouts(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(static s => ((ResponseTimeouts)s!).Sweep(), this, SweepPeriod, SweepPeriod);
    }

    public long DeadlineAfter(TimeSpan timeout) => _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);

    public void Add(ITimeoutTarget target) => _targets.TryAdd(target, 0);

    public void Remove(ITimeoutTarget target) => _targets.TryRemove(target, out _);

    public void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var pair in _targets)
        {
            if (pair.Key.DeadlineTimestamp <= now && _targets.TryRemove(pair.Key, out _))
            {
                pair.Key.OnTimeout();
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
