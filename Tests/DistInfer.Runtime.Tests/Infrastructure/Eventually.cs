using System.Diagnostics;

namespace DistInfer.Runtime.Tests.Infrastructure;

/// <summary>Waits for a condition that another thread makes true, yielding between checks (bounded).</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.ElapsedMilliseconds > timeoutMs)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }

            await Task.Yield();
        }
    }
}
