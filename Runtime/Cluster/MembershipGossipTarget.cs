using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Cluster;

/// <summary>
/// Answers <see cref="IMembershipGossipTarget"/>: re-reads the table and answers once the new view is published, so
/// the teller knows this silo has seen its change.
/// </summary>
internal sealed class MembershipGossipTarget(IMembershipGossip gossip) : IMembershipGossipTarget
{
    public const string SystemTargetType = "sys.membership";

    public Task TableChangedAsync() => gossip.RefreshAsync();

    public Task SiloLeftAsync(SiloAddress silo) => gossip.PeerLeftAsync(silo);
}
