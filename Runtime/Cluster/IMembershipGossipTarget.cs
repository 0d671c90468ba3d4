using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Cluster;

/// <summary>System target "sys.membership" on every silo: a peer wrote the membership table; completes once re-read.</summary>
public interface IMembershipGossipTarget : ISystemTarget
{
    Task TableChangedAsync();

    /// <summary>Silo <paramref name="silo"/> left gracefully (wrote its row Dead); completes once this silo's view shows it Dead.</summary>
    Task SiloLeftAsync(SiloAddress silo);
}
