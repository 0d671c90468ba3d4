namespace DistInfer.Runtime.Membership;

/// <summary>
/// Membership protocol settings (Orleans' ClusterMembershipOptions names), tuned so a killed silo is seen dead by
/// every silo within 10 s. Timing with the defaults, from the kill at t = 0:
/// every <see cref="ProbeTimeout"/> (2 s) each silo probes its <see cref="NumProbedSilos"/> ring successors. The
/// first probe that can fail is sent at most 2 s after the kill. A probe fails at once when the port refuses (a
/// killed process) or counts as missed at the next tick, 2 s later, when nothing answers (a host gone). The third
/// miss in a row (<see cref="NumMissedProbesLimit"/>) therefore comes at most 2 + 2 x 2 = 6 s (refused) or
/// 2 + 3 x 2 = 8 s (silent) after the kill, and the prober votes. Each voter re-reads the row before its
/// compare-and-swap, so the second voter, whose third miss falls in the same window, sees the first vote and
/// writes Dead itself: declared dead by 6 s / 8 s. Every other silo reads the Dead row at its next
/// <see cref="TableRefreshTimeout"/> (1 s): seen dead cluster-wide by 7 s / 9 s, or at once when the runtime
/// gossips and calls <see cref="IMembershipView.RefreshAsync"/>.
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

    /// <summary>How often a silo re-reads the whole table to refresh its snapshot (one HGETALL on Redis).</summary>
    public TimeSpan TableRefreshTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the silo's own metadata (load statistics) is re-read and written when changed.</summary>
    public TimeSpan MetadataRefreshPeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Dead rows whose IAmAlive time is older than this are deleted (0 disables cleanup).</summary>
    public TimeSpan DefunctSiloExpiration { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often a silo runs the defunct row cleanup.</summary>
    public TimeSpan DefunctSiloCleanupPeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a silo whose row vanished from the table without a Dead verdict (a wiped table) stays in the view,
    /// waiting for it to write its row back. Longer than a few refresh periods; a silo that died meanwhile leaves
    /// the view after it.
    /// </summary>
    public TimeSpan MissingRowGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Compare-and-swap attempts of one write (join, vote, status change) before it gives up.</summary>
    public int MaxWriteAttempts { get; set; } = 20;

    internal void Validate()
    {
        if (ProbeTimeout <= TimeSpan.Zero || IAmAliveTablePublishTimeout <= TimeSpan.Zero
            || TableRefreshTimeout <= TimeSpan.Zero || MetadataRefreshPeriod <= TimeSpan.Zero
            || DeathVoteExpirationTimeout <= TimeSpan.Zero || MissingRowGracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentException("membership periods and timeouts must be positive");
        }

        if (NumMissedProbesLimit < 1 || NumProbedSilos < 1 || NumVotesForDeathDeclaration < 1 || MaxWriteAttempts < 1)
        {
            throw new ArgumentException("membership counts (missed probes, probed silos, votes, write attempts) must be at least 1");
        }
    }
}
