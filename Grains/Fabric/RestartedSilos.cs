using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// The silos a status lists: a dead incarnation is left out once a newer one runs on its endpoint (the same silo
/// restarted). Dead rows stay in the membership table for days (DefunctSiloExpiration), so each restart added a
/// row that `distinfer status` showed as a dead "s2" beside the live one.
/// </summary>
public static class RestartedSilos
{
    public static List<SiloInfo> WithoutReplacedIncarnations(IReadOnlyList<SiloInfo> silos)
    {
        var newest = new Dictionary<(string Host, int Port), long>();
        foreach (var s in silos)
        {
            var endpoint = (s.Address.Host, s.Address.Port);
            newest[endpoint] = Math.Max(newest.GetValueOrDefault(endpoint, long.MinValue), s.Address.Generation);
        }

        return [.. silos.Where(s => s.Status != SiloStatus.Dead || s.Address.Generation == newest[(s.Address.Host, s.Address.Port)])];
    }
}
