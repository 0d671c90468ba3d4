using System.Collections.Concurrent;

namespace DistInfer.Grains;

/// <summary>The stage grains active on this silo (their keys), for the hand-off announced when the silo drains.</summary>
public sealed class LocalStages
{
    private readonly ConcurrentDictionary<string, byte> _keys = new(StringComparer.Ordinal);

    public void Add(string key) => _keys[key] = 0;

    public void Remove(string key) => _keys.TryRemove(key, out _);

    public IReadOnlyCollection<string> Keys => [.. _keys.Keys];
}
