namespace DistInfer.Runtime.Membership;

/// <summary>
/// The voting rule: a voter's new vote replaces its older one, votes older than DeathVoteExpirationTimeout and
/// votes of dead voters drop out, and when the live votes reach the number needed the same write declares the
/// target Dead.
/// </summary>
internal static class SuspicionVoting
{
    /// <summary>The target's row with <paramref name="voter"/>'s vote added (and Dead when it is the last one needed).</summary>
    public static MembershipEntry AddVote(MembershipTableData data, MembershipEntry target, SiloAddress voter, DateTimeOffset now, MembershipOptions options, out int votes, out int needed)
    {
        var live = new List<SuspectVote>();
        foreach (var vote in target.FreshVotes(now - options.DeathVoteExpirationTimeout))
        {
            if (vote.Voter != voter && data.Find(vote.Voter)?.Entry.Status is not (null or SiloStatus.Dead))
            {
                live.Add(vote);
            }
        }

        live.Add(new SuspectVote(voter, now));
        votes = live.Count;
        needed = VotesNeeded(data, options);
        return target with { SuspectTimes = live, Status = votes >= needed ? SiloStatus.Dead : target.Status };
    }

    /// <summary>Orleans' rule: NumVotesForDeathDeclaration, capped at half the active silos rounded up (2 silos: 1).</summary>
    public static int VotesNeeded(MembershipTableData data, MembershipOptions options)
    {
        var active = 0;
        foreach (var row in data.Rows)
        {
            if (row.Entry.Status == SiloStatus.Active)
            {
                active++;
            }
        }

        return Math.Max(1, Math.Min(options.NumVotesForDeathDeclaration, (active + 1) / 2));
    }
}
