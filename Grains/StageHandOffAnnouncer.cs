using DistInfer.Grains.Fabric;
using DistInfer.Runtime.Hosting;

namespace DistInfer.Grains;

/// <summary>
/// A silo stopping gracefully tells each of its stages' hand-off grains to expect a hand-off, before the rest of the
/// cluster sees it shutting down: from then on a new activation of such a stage (placed elsewhere by a silo that
/// already sees this one leaving) waits for the caches instead of starting empty.
/// </summary>
public sealed class StageHandOffAnnouncer(LocalStages stages, FabricOptions options) : ISiloLifecycleParticipant
{
    public async Task OnStoppingAsync(Silo silo, bool graceful)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (!graceful || !options.HandOffStagesOnDrain)
        {
            return;
        }

        var announced = new List<Task>();
        foreach (var key in stages.Keys)
        {
            announced.Add(silo.GrainFactory.GetGrain<IStageHandOffGrain>(key).Expect());
        }

        try
        {
            await Task.WhenAll(announced).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Unannounced: that stage's successor may start empty, and its sequences re-prefill.
        }
    }
}
