using System.Collections.Concurrent;

namespace DistInfer.Runtime.Membership;

/// <summary>Graceful leaves that peers told this silo about directly (membership gossip), not only through the table.</summary>
public sealed partial class MembershipAgent
{
    // One entry per silo that left while this one ran: a left silo's address (its generation included) never
    // comes back, and forgetting it would let a row written back by a voter that was not told show it alive again.
    private readonly ConcurrentDictionary<SiloAddress, bool> _leftPeers = new();

    /// <summary>
    /// <paramref name="silo"/> said it left gracefully (its row is Dead): the view marks it Dead now and this silo never
    /// votes against it. The table alone could not tell it if it was wiped (Redis restarted without persistence)
    /// between that Dead write and this silo's next read: the silo would stay in the view as it was last seen, and
    /// once it stopped answering the votes would write its row back as a crash.
    /// </summary>
    public async Task PeerLeftAsync(SiloAddress silo, CancellationToken cancellationToken = default)
    {
        if (silo == LocalSilo || !_leftPeers.TryAdd(silo, true))
        {
            return;
        }

        MembershipAgentLog.PeerLeft(_logger, LocalSilo, silo);
        await ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <paramref name="data"/> with the silos told as left shown Dead: their rows when the table still has them
    /// alive (written back by a voter that was not told), the view's last entry when the table lost them.
    /// </summary>
    private MembershipTableData WithLeftPeers(MembershipTableData data)
    {
        if (_leftPeers.IsEmpty)
        {
            return data;
        }

        var rows = data.Rows.ToList();
        var changed = false;
        foreach (var silo in _leftPeers.Keys)
        {
            var index = rows.FindIndex(r => r.Entry.SiloAddress == silo);
            if (index >= 0 && rows[index].Entry.Status != SiloStatus.Dead)
            {
                rows[index] = rows[index] with { Entry = rows[index].Entry with { Status = SiloStatus.Dead } };
                changed = true;
            }
            else if (index < 0 && CurrentSnapshot.Members.TryGetValue(silo, out var seen) && seen.Status != SiloStatus.Dead)
            {
                // Published Dead once; the next read drops it from the view, as any Dead row the table lost.
                rows.Add(new MembershipRow(seen with { Status = SiloStatus.Dead }, ""));
                changed = true;
            }
        }

        return changed ? new MembershipTableData(rows, data.Version) : data;
    }
}
