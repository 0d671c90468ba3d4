using System.Collections.Concurrent;

namespace DistInfer.Runtime.Tests.Grains;

/// <summary>An [Immutable] stream item; <see cref="Sent"/> keeps each produced instance so a consumer can tell the very object from a copy.</summary>
[GenerateSerializer]
[Immutable]
public sealed record SharedItem
{
    [Id(0)] public int Id { get; init; }
    [Id(1)] public float[] Values { get; init; } = [];

    private static int _lastId;

    public static ConcurrentDictionary<int, SharedItem> Sent { get; } = new();

    /// <summary>A new item with a fresh (positive) id, kept in <see cref="Sent"/>.</summary>
    public static SharedItem Create(float[] values)
    {
        var item = new SharedItem { Id = Interlocked.Increment(ref _lastId), Values = values };
        Sent[item.Id] = item;
        return item;
    }
}
