namespace DistInfer.Runtime.Membership;

/// <summary>One suspicion vote written into a suspected silo's row: who voted and when (table clock, UTC).</summary>
public readonly record struct SuspectVote(SiloAddress Voter, DateTimeOffset Time);
