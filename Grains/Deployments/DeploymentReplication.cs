using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;

namespace DistInfer.Grains.Deployments;

/// <summary>
/// Copies a model's deployment record to every active silo and finds the newest copy again: the registry grain
/// keeps its record in memory, and this is what lets it re-activate on another silo without forgetting the model.
/// </summary>
public static class DeploymentReplication
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Saves <paramref name="info"/> on every active silo but <paramref name="except"/>; unreachable silos are
    /// skipped (they hold nothing callable).
    /// </summary>
    public static Task SaveEverywhereAsync(IGrainFactory grains, ClusterMembershipSnapshot membership, DeploymentInfo info, string? except = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(membership);
        var silos = RecordSilos(membership);
        if (except is not null)
        {
            silos.Remove(except);
        }

        var saves = new Task[silos.Count];
        for (var i = 0; i < silos.Count; i++)
        {
            saves[i] = Tolerate(grains.GetGrain<IDeploymentRecordGrain>(silos[i]).Save(info));
        }

        return Task.WhenAll(saves);
    }

    /// <summary>The newest copy of <paramref name="model"/>'s record held by any active silo, or null.</summary>
    public static async Task<DeploymentInfo?> FindNewestAsync(IGrainFactory grains, ClusterMembershipSnapshot membership, string model)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(membership);
        var silos = RecordSilos(membership);
        var finds = new Task<DeploymentInfo?>[silos.Count];
        for (var i = 0; i < silos.Count; i++)
        {
            finds[i] = Tolerate(grains.GetGrain<IDeploymentRecordGrain>(silos[i]).Find(model));
        }

        DeploymentInfo? newest = null;
        foreach (var found in await Task.WhenAll(finds).ConfigureAwait(false))
        {
            if (found is not null && (newest is null || DeploymentRecords.IsNewer(found, newest)))
            {
                newest = found;
            }
        }

        return newest;
    }

    /// <summary>Active silos holding deployment records (every silo of the fabric).</summary>
    public static List<string> RecordSilos(ClusterMembershipSnapshot membership)
    {
        var name = typeof(IDeploymentRecordGrain).FullName!;
        var silos = new List<string>();
        foreach (var silo in membership.ActiveSilos)
        {
            if (silo.Hosts(name))
            {
                silos.Add(silo.Address.ToString());
            }
        }

        return silos;
    }

    private static async Task Tolerate(Task save)
    {
        try
        {
            await save.WaitAsync(CallTimeout).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A silo leaving or unreachable: the others keep the record.
        }
    }

    private static async Task<DeploymentInfo?> Tolerate(Task<DeploymentInfo?> find)
    {
        try
        {
            return await find.WaitAsync(CallTimeout).ConfigureAwait(false);
        }
        catch (Exception)
        {
            return null;
        }
    }
}
