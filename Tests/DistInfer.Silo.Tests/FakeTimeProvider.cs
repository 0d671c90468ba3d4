namespace DistInfer.Silo.Tests;

/// <summary>Wall-clock time the test moves by hand (timestamps for latencies stay real).</summary>
internal sealed class FakeTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
