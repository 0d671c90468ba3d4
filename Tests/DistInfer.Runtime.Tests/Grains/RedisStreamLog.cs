using System.Collections.Concurrent;
using DistInfer.Runtime.Streams;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Grains;

/// <summary>
/// What redis-stream consumers received (item and token, every delivery), by grain key; outlives activations.
/// Signals: "{key}-count-{n}" once n deliveries were recorded, "{key}-attempt-{item}-{n}" on the n-th attempt.
/// </summary>
public static class RedisStreamLog
{
    private static readonly ConcurrentDictionary<string, List<(int Item, StreamSequenceToken Token)>> Deliveries = new();
    private static readonly ConcurrentDictionary<string, int> Attempts = new();

    /// <summary>Consumers named here throw for every item at or above the value.</summary>
    public static ConcurrentDictionary<string, int> FailFrom { get; } = new();

    /// <summary>Consumers named here resume from their last recorded token when they activate.</summary>
    public static ConcurrentDictionary<string, bool> ResumeFromLastToken { get; } = new();

    /// <summary>Deliveries of item N to consumer K wait for Gates["K/N"] before they are recorded.</summary>
    public static ConcurrentDictionary<string, TaskCompletionSource> Gates { get; } = new();

    public static async Task RecordAsync(string key, int item, StreamSequenceToken token)
    {
        var attempt = Attempts.AddOrUpdate($"{key}/{item}", 1, (_, n) => n + 1);
        Signals.Set($"{key}-attempt-{item}-{attempt}");
        if (Gates.TryGetValue($"{key}/{item}", out var gate))
        {
            await gate.Task;
        }

        if (FailFrom.TryGetValue(key, out var failFrom) && item >= failFrom)
        {
            throw new InvalidOperationException($"consumer {key} fails on item {item}");
        }

        var list = Deliveries.GetOrAdd(key, _ => []);
        int count;
        lock (list)
        {
            list.Add((item, token));
            count = list.Count;
        }

        Signals.Set($"{key}-count-{count}");
    }

    public static int[] Items(string key) => [.. Received(key).Select(d => d.Item)];

    public static (int Item, StreamSequenceToken Token)[] Received(string key)
    {
        var list = Deliveries.GetOrAdd(key, _ => []);
        lock (list)
        {
            return [.. list];
        }
    }

    public static StreamSequenceToken? LastToken(string key)
    {
        var received = Received(key);
        return received.Length == 0 ? null : received[^1].Token;
    }

    public static Task WaitForCountAsync(string key, int count) => Signals.WaitAsync($"{key}-count-{count}", 20_000);
}
