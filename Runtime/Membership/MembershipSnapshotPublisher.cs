using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace DistInfer.Runtime.Membership;

/// <summary>
/// Turns table reads into numbered snapshots and fans them out to the event and to watchers. Callers serialize
/// <see cref="Publish"/> (the agent reads the table under one lock), so updates leave in read order.
/// </summary>
internal sealed class MembershipSnapshotPublisher
{
    private readonly Lock _lock = new();
    private readonly List<Channel<MembershipUpdate>> _watchers = [];
    private readonly Dictionary<SiloAddress, DateTimeOffset> _missingSince = [];
    private MembershipSnapshot _current = MembershipSnapshot.Empty;

    public MembershipSnapshot Current => Volatile.Read(ref _current);

    public event Action<MembershipUpdate>? Changed;

    /// <summary>
    /// Publishes <paramref name="data"/> when it differs from the current snapshot; returns the current. A member
    /// whose row vanished without a Dead verdict (the table was wiped, e.g. Redis restarted without persistence)
    /// stays in the view for <paramref name="missingRowGrace"/>: its silo is probably alive and about to write the
    /// row back, and dropping it would move directory ownership and let a grain activate twice.
    /// </summary>
    public MembershipSnapshot Publish(MembershipTableData data, DateTimeOffset now, TimeSpan missingRowGrace)
    {
        var previous = Current;
        var members = new Dictionary<SiloAddress, MembershipEntry>(data.Rows.Count);
        foreach (var row in data.Rows)
        {
            members[row.Entry.SiloAddress] = row.Entry;
            _missingSince.Remove(row.Entry.SiloAddress);
        }

        foreach (var (silo, entry) in previous.Members)
        {
            if (members.ContainsKey(silo) || entry.Status == SiloStatus.Dead)
            {
                _missingSince.Remove(silo);
                continue;
            }

            if (!_missingSince.TryGetValue(silo, out var since))
            {
                _missingSince[silo] = since = now;
            }

            if (now - since < missingRowGrace)
            {
                members[silo] = entry;
            }
            else
            {
                _missingSince.Remove(silo);
            }
        }

        // An equal table version is not enough: a wiped table (Redis restarted without persistence) counts its
        // versions again from 0, so a later read can carry the old number with other statuses (a silo seen Joining
        // before the wipe and Active after it would otherwise stay Joining in this view).
        if (data.Version == previous.TableVersion && SameMembers(members, previous.Members))
        {
            return previous;
        }

        var snapshot = new MembershipSnapshot(previous.Version + 1, data.Version, members);
        var update = new MembershipUpdate(snapshot, snapshot.ChangesSince(previous));
        Channel<MembershipUpdate>[] watchers;
        lock (_lock)
        {
            Volatile.Write(ref _current, snapshot);
            watchers = [.. _watchers];
        }

        foreach (var change in update.Changes)
        {
            MembershipMetrics.StatusChanges.Add(1, new KeyValuePair<string, object?>("status", change.NewStatus.ToString()));
        }

        foreach (var watcher in watchers)
        {
            watcher.Writer.TryWrite(update);
        }

        Changed?.Invoke(update);
        return snapshot;
    }

    private static bool SameMembers(Dictionary<SiloAddress, MembershipEntry> members, IReadOnlyDictionary<SiloAddress, MembershipEntry> previous)
    {
        if (members.Count != previous.Count)
        {
            return false;
        }

        foreach (var (silo, entry) in members)
        {
            if (!previous.TryGetValue(silo, out var before) || before.Status != entry.Status
                || !MembershipEntry.SameMetadata(before.Metadata, entry.Metadata))
            {
                return false;
            }
        }

        return true;
    }

    public async IAsyncEnumerable<MembershipUpdate> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<MembershipUpdate>(new UnboundedChannelOptions { SingleReader = true });
        MembershipSnapshot first;
        lock (_lock)
        {
            first = _current;
            _watchers.Add(channel);
        }

        try
        {
            yield return new MembershipUpdate(first, first.ChangesSince(MembershipSnapshot.Empty));
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var update))
                {
                    yield return update;
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(channel);
            }
        }
    }
}
