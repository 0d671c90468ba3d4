using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;

namespace DistInfer.Grains.Deployments;

/// <summary>
/// A silo stopping gracefully copies the deployment records it holds to every other active silo first, so silos
/// that joined after a model's last change have them before the older silos are all replaced (rolling restart).
/// </summary>
public sealed class DeploymentRecordsHandOff(DeploymentRecords records, IClusterMembershipService membership) : ISiloLifecycleParticipant
{
    public async Task OnStoppingAsync(Silo silo, bool graceful)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (!graceful)
        {
            return;
        }

        var self = silo.Address.ToString();
        var saves = new List<Task>();
        foreach (var info in records.All())
        {
            saves.Add(DeploymentReplication.SaveEverywhereAsync(silo.GrainFactory, membership.Current, info, except: self));
        }

        await Task.WhenAll(saves).ConfigureAwait(false);
    }
}
