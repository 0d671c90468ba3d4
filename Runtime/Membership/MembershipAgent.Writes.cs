using Microsoft.Extensions.Logging;

namespace DistInfer.Runtime.Membership;

/// <summary>
/// The agent's writes to the table: votes and death verdicts, its own row's insertion and changes, each a
/// compare-and-swap retried when it loses a race.
/// </summary>
public sealed partial class MembershipAgent
{
    /// <summary>Writes a suspicion vote against <paramref name="target"/>; declares it Dead when it is the last vote needed.</summary>
    internal async Task VoteAsync(SiloAddress target)
    {
        for (var attempt = 1; attempt <= _options.MaxWriteAttempts; attempt++)
        {
            var data = await ReadAsync(_stopping.Token).ConfigureAwait(false);
            var row = data.Find(target);
            if (_status is not (SiloStatus.Active or SiloStatus.ShuttingDown) || row?.Entry.Status == SiloStatus.Dead)
            {
                return;
            }

            // A row the table lost without a verdict (Redis restarted without persistence) while the view still holds
            // its silo: that silo stopped answering instead of writing its row back, so the vote writes it back
            // itself. Else it would only leave the views unjudged, and a silo missing from a view is not known gone.
            var lost = row is null;
            var entry = row?.Entry ?? CurrentSnapshot.Members.GetValueOrDefault(target);
            if (entry is null || entry.Status == SiloStatus.Dead)
            {
                return;
            }

            // Votes needed as the view counts the cluster: a wiped table holds only the rows written back so far (the
            // target's too once a first vote wrote it back), and a single voter must not be enough just because few
            // are back yet. The view keeps the members whose rows it lost for MissingRowGracePeriod.
            var updated = SuspicionVoting.AddVote(WithLostRows(data), entry, LocalSilo, _time.GetUtcNow(), _options, out var votes, out var needed);
            var declare = updated.Status == SiloStatus.Dead;
            var written = lost
                ? await _table.InsertRowAsync(updated, data.Version.Next(), _stopping.Token).ConfigureAwait(false)
                : await _table.UpdateRowAsync(updated, row!.Value.ETag, data.Version.Next(), _stopping.Token).ConfigureAwait(false);
            if (written)
            {
                MembershipAgentLog.Voted(_logger, LocalSilo, target, votes, needed);
                MembershipMetrics.Votes.Add(1);
                if (declare)
                {
                    MembershipAgentLog.DeclaredDead(_logger, LocalSilo, target);
                    MembershipMetrics.DeathDeclarations.Add(1);
                }

                await ReadAsync(_stopping.Token).ConfigureAwait(false);
                if (declare)
                {
                    StatusWritten?.Invoke();
                }

                return;
            }

            MembershipMetrics.WriteConflicts.Add(1);
            MembershipAgentLog.WriteConflict(_logger, "vote", attempt);
        }
    }

    /// <summary>The table's rows plus the view's members whose rows the table lost without a verdict.</summary>
    private MembershipTableData WithLostRows(MembershipTableData data)
    {
        var rows = data.Rows.ToList();
        foreach (var member in CurrentSnapshot.Members.Values)
        {
            if (data.Find(member.SiloAddress) is null)
            {
                rows.Add(new MembershipRow(member, ""));
            }
        }

        return rows.Count == data.Rows.Count ? data : new MembershipTableData(rows, data.Version);
    }

    private async Task InsertSelfAsync(MembershipEntry entry, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= _options.MaxWriteAttempts; attempt++)
        {
            var data = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (data.Find(LocalSilo) is not null)
            {
                throw new InvalidOperationException($"silo {LocalSilo} is already in the membership table; a restarted silo needs a new generation");
            }

            // An older incarnation on this endpoint is gone for sure: mark it Dead instead of waiting for votes.
            var stale = data.Rows.FirstOrDefault(r => r.Entry.SiloAddress.Host == LocalSilo.Host && r.Entry.SiloAddress.Port == LocalSilo.Port
                && r.Entry.SiloAddress.Generation < LocalSilo.Generation && r.Entry.Status != SiloStatus.Dead);
            var written = stale.Entry is not null
                ? await _table.UpdateRowAsync(stale.Entry with { Status = SiloStatus.Dead }, stale.ETag, data.Version.Next(), cancellationToken).ConfigureAwait(false)
                : await _table.InsertRowAsync(entry, data.Version.Next(), cancellationToken).ConfigureAwait(false);
            if (written && stale.Entry is null)
            {
                await ReadAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            if (!written)
            {
                MembershipMetrics.WriteConflicts.Add(1);
                MembershipAgentLog.WriteConflict(_logger, "join", attempt);
            }
        }

        throw new InvalidOperationException($"silo {LocalSilo} could not join: {_options.MaxWriteAttempts} membership writes lost compare-and-swap races");
    }

    /// <summary>
    /// Writes back Dead the row of this leaving silo that the table lost (wiped): the others still see the silo and,
    /// once it stops answering, would write its row back Active with their votes (a crash verdict, and a repair, for
    /// a graceful leave). False when the table has the row (then Dead) or every write lost its race.
    /// </summary>
    private async Task<bool> WriteBackLeftRowAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= _options.MaxWriteAttempts; attempt++)
        {
            var data = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (data.Find(LocalSilo) is not null)
            {
                return false;
            }

            if (await _table.InsertRowAsync(NewOwnEntry(SiloStatus.Dead, _time.GetUtcNow()), data.Version.Next(), cancellationToken).ConfigureAwait(false))
            {
                await ReadAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }

            MembershipMetrics.WriteConflicts.Add(1);
            MembershipAgentLog.WriteConflict(_logger, "leave", attempt);
        }

        return false;
    }

    /// <summary>Read-modify-write of this silo's row with retries; false when the row is gone or Dead.</summary>
    private async Task<bool> WriteOwnRowAsync(string operation, Func<MembershipEntry, MembershipEntry?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= _options.MaxWriteAttempts; attempt++)
        {
            var data = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (data.Find(LocalSilo) is not { } row || row.Entry.Status == SiloStatus.Dead)
            {
                return false;
            }

            if (change(row.Entry) is not { } updated)
            {
                return true;
            }

            if (await _table.UpdateRowAsync(updated, row.ETag, data.Version.Next(), cancellationToken).ConfigureAwait(false))
            {
                await ReadAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }

            MembershipMetrics.WriteConflicts.Add(1);
            MembershipAgentLog.WriteConflict(_logger, operation, attempt);
        }

        throw new InvalidOperationException($"membership write '{operation}' of silo {LocalSilo} lost {_options.MaxWriteAttempts} compare-and-swap races");
    }
}
