namespace DistInfer.Runtime.Membership;

/// <summary>A new membership snapshot and the status changes since the previous one.</summary>
public sealed record MembershipUpdate(MembershipSnapshot Snapshot, IReadOnlyList<SiloStatusChange> Changes);
