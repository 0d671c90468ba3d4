namespace DistInfer.Runtime.Membership;

/// <summary>
/// Membership protocol settings (Orleans' ClusterMembershipOptions names), tuned so a killed silo is declared
/// dead within 10 s:
/// every <see cref="ProbeTimeout"/> (2 s) each silo probes its <see cref="NumProbedSilos"/> ring successors, and a
/// probe fails at once (connection refused) or after <see cref="ProbeTimeout"/> (host gone). A prober votes after
/// <see cref="NumMissedProbesLimit"/> (3) misses in a row, so at most 3 rounds + one timeout = 8 s after the kill
/// (6 s when the port refuses). Each voter re-reads the row before voting, so the second voter, whose third miss
/// falls within the same 8 s, sees the first vote and writes Dead in its compare-and-swap. Other silos see the
/// Dead row at their next <see cref="TableRefreshTimeout"/> read (2 s), or at once when the runtime calls
/// <see cref="IMembershipView.RefreshAsync"/> on a gossip message.
/// </summary>
public sealed class MembershipOptions
{
    /// <summary>Probe period and timeout of one probe (Orleans: 5 s; here 2 s for the 10 s target).</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Consecutive missed probes after which the prober votes the target dead.</summary>
    public int NumMissedProbesLimit { get; set; } = 3;

    /// <summary>How many ring successors each silo probes.</summary>
    public int NumProbedSilos { get; set; } = 3;

    /// <summary>Live votes that declare a silo dead; capped at half the active silos rounded up (1 of 2).</summary>
    public int NumVotesForDeathDeclaration { get; set; } = 2;

    /// <summary>Votes older than this no longer count.</summary>
    public TimeSpan DeathVoteExpirationTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Heartbeat period: how often a silo writes its IAmAlive time.</summary>
    public TimeSpan IAmAliveTablePublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a silo re-reads the whole table to refresh its snapshot.</summary>
    public TimeSpan TableRefreshTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the silo's own metadata (load statistics) is re-read and written when changed.</summary>
    public TimeSpan MetadataRefreshPeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Dead rows whose IAmAlive time is older than this are deleted (0 disables cleanup).</summary>
    public TimeSpan DefunctSiloExpiration { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often a silo runs the defunct row cleanup.</summary>
    public TimeSpan DefunctSiloCleanupPeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Compare-and-swap attempts of one write (join, vote, status change) before it gives up.</summary>
    public int MaxWriteAttempts { get; set; } = 20;

    internal void Validate()
    {
        if (ProbeTimeout <= TimeSpan.Zero || IAmAliveTablePublishTimeout <= TimeSpan.Zero
            || TableRefreshTimeout <= TimeSpan.Zero || MetadataRefreshPeriod <= TimeSpan.Zero
            || DeathVoteExpirationTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("membership periods and timeouts must be positive");
        }

        if (NumMissedProbesLimit < 1 || NumProbedSilos < 1 || NumVotesForDeathDeclaration < 1 || MaxWriteAttempts < 1)
        {
            throw new ArgumentException("membership counts (missed probes, probed silos, votes, write attempts) must be at least 1");
        }
    }
}
