using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;

using ClusterMembershipSnapshot = DistInfer.Runtime.Cluster.ClusterMembershipSnapshot;
using IClusterMembershipService = DistInfer.Runtime.Cluster.IClusterMembershipService;

namespace DistInfer.Runtime.Directory;

/// <summary>Consistent-hash ring of the active silos (several points each) deciding which silo owns a grain's entry.</summary>
internal sealed class DirectoryRing
{
    private const int PointsPerSilo = 32;
    private readonly uint[] _hashes;
    private readonly SiloAddress[] _owners;

    public DirectoryRing(ClusterMembershipSnapshot snapshot)
    {
        var points = new List<(uint Hash, SiloAddress Silo)>();
        foreach (var silo in snapshot.ActiveSilos)
        {
            var text = silo.Address.ToString();
            for (var i = 0; i < PointsPerSilo; i++)
            {
                points.Add((StableHash.Compute(text, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), silo.Address));
            }
        }

        points.Sort((a, b) => a.Hash.CompareTo(b.Hash));
        _hashes = points.Select(p => p.Hash).ToArray();
        _owners = points.Select(p => p.Silo).ToArray();
        Version = snapshot.Version;
    }

    public long Version { get; }

    public bool IsEmpty => _hashes.Length == 0;

    /// <summary>Whether both rings give every grain the same owner (same silos).</summary>
    public bool SameOwners(DirectoryRing other) => _owners.AsSpan().SequenceEqual(other._owners);

    public SiloAddress Owner(GrainId grainId)
    {
        if (_hashes.Length == 0)
        {
            throw new InvalidOperationException("No active silo owns a directory partition");
        }

        var index = Array.BinarySearch(_hashes, grainId.StableHashCode);
        if (index < 0)
        {
            index = ~index;
        }

        return _owners[index == _hashes.Length ? 0 : index];
    }
}
