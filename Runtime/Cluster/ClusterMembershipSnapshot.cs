using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Cluster;

/// <summary>A versioned, immutable view of the active silos.</summary>
public sealed class ClusterMembershipSnapshot
{
    public static readonly ClusterMembershipSnapshot Empty = new(0, []);

    private readonly Dictionary<SiloAddress, SiloInfo> _byAddress;

    public ClusterMembershipSnapshot(long version, IReadOnlyList<SiloInfo> silos)
    {
        Version = version;
        Silos = silos;
        _byAddress = new Dictionary<SiloAddress, SiloInfo>(silos.Count);
        foreach (var silo in silos)
        {
            _byAddress[silo.Address] = silo;
        }

        ActiveSilos = silos.Where(s => s.IsActiveAndCompatible).OrderBy(s => s.Address.ToString(), StringComparer.Ordinal).ToArray();
    }

    public long Version { get; }

    /// <summary>Every silo the view knows, whatever its status.</summary>
    public IReadOnlyList<SiloInfo> Silos { get; }

    /// <summary>
    /// Active silos of this build's wire protocol in a deterministic order: what placement and the directory use (a
    /// silo of another version stays in <see cref="Silos"/>, where membership still watches it).
    /// </summary>
    public IReadOnlyList<SiloInfo> ActiveSilos { get; }

    public bool TryGet(SiloAddress address, out SiloInfo info) => _byAddress.TryGetValue(address, out info!);

    public bool IsActive(SiloAddress address) => _byAddress.TryGetValue(address, out var info) && info.IsActiveAndCompatible;
}
