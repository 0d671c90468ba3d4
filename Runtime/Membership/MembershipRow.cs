namespace DistInfer.Runtime.Membership;

/// <summary>One row as read from the table: the entry and the row's etag for a later compare-and-swap.</summary>
public readonly record struct MembershipRow(MembershipEntry Entry, string ETag);
