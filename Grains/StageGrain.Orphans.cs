namespace DistInfer.Grains;

/// <summary>
/// KV caches nobody will release: a first-step micro-batch that was abandoned (a stall check gave up on it) and ran
/// after its sequence had ended created a cache that no Release names again. Every running sequence takes part in
/// every step, so one unused for <see cref="Fabric.FabricOptions.OrphanCacheAge"/> is dropped.
/// </summary>
public sealed partial class StageGrain
{
    private readonly Dictionary<long, DateTimeOffset> _lastUsed = [];
    private DateTimeOffset _lastSweep;

    /// <summary>Marks the step's sequences used at <paramref name="now"/> and drops orphans (inside the compute gate).</summary>
    private void TouchAndSweep(StageStep step, DateTimeOffset now)
    {
        foreach (var id in step.SequenceIds)
        {
            _lastUsed[id] = now;
        }

        var age = FabricSettings.OrphanCacheAge;
        if (now - _lastSweep < age / 4)
        {
            return;
        }

        _lastSweep = now;
        List<long>? orphans = null;
        foreach (var (id, used) in _lastUsed)
        {
            if (now - used > age)
            {
                (orphans ??= []).Add(id);
            }
        }

        foreach (var id in orphans ?? [])
        {
            _lastUsed.Remove(id);
            _caches.Remove(id);
            _cuda?.Release(id);
        }
    }

    private void Forget(long sequenceId) => _lastUsed.Remove(sequenceId);
}
