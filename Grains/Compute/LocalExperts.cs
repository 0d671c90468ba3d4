using System.Collections.Concurrent;
using DistInfer.Engine.Model;

namespace DistInfer.Grains.Compute;

/// <summary>
/// The expert replicas whose grains hold CPU weights on this silo. A stage grain of the same silo runs their tokens
/// itself, in its own turn, instead of calling the expert grain: a call would hand the product to another thread and
/// back, and on a busy machine those hand-offs cost more than the product saves by running beside the stage's other
/// experts (each product already uses every core). The weights are managed arrays, so a stage still holding an entry
/// after its grain left reads valid memory; it just stops finding the entry.
/// </summary>
public sealed class LocalExperts
{
    private readonly ConcurrentDictionary<string, LocalExpert> _experts = new(StringComparer.Ordinal);

    /// <summary>An expert grain of this silo has loaded its weights (key: the grain's key).</summary>
    public LocalExpert Register(string key, SwiGluWeights weights, bool bf16) => _experts[key] = new LocalExpert(weights, bf16);

    /// <summary>The expert grain leaves: stages call it again (and so reactivate it where placement puts it).</summary>
    public void Unregister(string key, LocalExpert expert) => _experts.TryRemove(new KeyValuePair<string, LocalExpert>(key, expert));

    /// <summary>The replica <paramref name="key"/> when its grain holds its weights on this silo.</summary>
    public LocalExpert? Find(string key) => _experts.GetValueOrDefault(key);
}
