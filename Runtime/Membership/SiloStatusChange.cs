namespace DistInfer.Runtime.Membership;

/// <summary>One silo's status moving between two snapshots (None = not in the table).</summary>
public readonly record struct SiloStatusChange(SiloAddress Silo, SiloStatus OldStatus, SiloStatus NewStatus);
