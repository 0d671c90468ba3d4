using System.Collections.Concurrent;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Grains;

/// <summary>What consumers received, by grain key (outlives activations); items named in a gate wait for it.</summary>
public static class StreamLog
{
    private static readonly ConcurrentDictionary<string, List<int>> Items = new();

    public static async Task RecordAsync(string key, int item)
    {
        Signals.Set($"{key}-entered-{item}");
        if (Gates.TryGetValue(key + "/" + item, out var gate))
        {
            await gate.Task;
        }

        var list = Items.GetOrAdd(key, _ => []);
        lock (list)
        {
            list.Add(item);
        }

        Signals.Set($"{key}-got-{item}");
    }

    public static ConcurrentDictionary<string, TaskCompletionSource> Gates { get; } = new();

    public static int[] Received(string key)
    {
        var list = Items.GetOrAdd(key, _ => []);
        lock (list)
        {
            return [.. list];
        }
    }
}
