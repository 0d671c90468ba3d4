using DistInfer.Engine.Model;
using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>The KV caches a step uses: made for new sequences when there is room, rolled back after a half-done step.</summary>
public sealed partial class StageGrain
{
    private SequenceKvCache[] CachesFor(StageStep step, TransformerModel model)
    {
        if (FabricSettings.StageMaxSequences is > 0 and var most)
        {
            StageCapacity.ThrowIfNoRoom(step, _caches, Math.Max(0, most - _caches.Count), this.GetPrimaryKeyString(), $"FabricOptions.StageMaxSequences is {most}");
        }

        var caches = new SequenceKvCache[step.SequenceIds.Length];
        var lost = new List<long>();
        for (var s = 0; s < caches.Length; s++)
        {
            var id = step.SequenceIds[s];
            var expected = step.ExpectedLengths.Length > s ? step.ExpectedLengths[s] : -1;
            if (!_caches.TryGetValue(id, out var cache))
            {
                if (expected > 0)
                {
                    lost.Add(id);
                    continue;
                }

                cache = model.CreateCache(step.Counts[s] + 64);
                _caches[id] = cache;
            }
            else if (expected >= 0 && cache.Length != expected)
            {
                // A step that failed half-way may have committed here; roll back to what the caller has.
                if (cache.Length < expected)
                {
                    lost.Add(id);
                    continue;
                }

                cache.Truncate(expected);
            }

            caches[s] = cache;
        }

        return lost.Count == 0 ? caches : throw new SequenceStateLostException($"stage {this.GetPrimaryKeyString()} lost the KV cache of sequences {string.Join(", ", lost)}");
    }
}
