using System.Collections.Concurrent;

namespace DistInfer.Runtime.Tests.Infrastructure;

/// <summary>Named completion sources shared by tests and the grains they drive (grains cannot capture test locals).</summary>
public static class Signals
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource<object?>> Sources = new();

    public static TaskCompletionSource<object?> Get(string name) =>
        Sources.GetOrAdd(name, _ => new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously));

    public static void Set(string name, object? value = null) => Get(name).TrySetResult(value);

    public static Task<object?> WaitAsync(string name, int timeoutMs = 10_000) => Get(name).Task.WaitAsync(TimeSpan.FromMilliseconds(timeoutMs));

    public static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N");
}
