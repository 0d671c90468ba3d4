namespace DistInfer.Runtime.Cluster;

/// <summary>System target "sys.membership" on every silo: a peer wrote the membership table; completes once re-read.</summary>
public interface IMembershipGossipTarget : ISystemTarget
{
    Task TableChangedAsync();
}
