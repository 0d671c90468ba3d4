namespace DistInfer.Runtime.Membership;

/// <summary>
/// An immutable view of the membership table as one silo last read it. <see cref="Version"/> grows with every
/// snapshot a silo publishes, so consumers can ignore older ones.
/// </summary>
public sealed class MembershipSnapshot
{
    public MembershipSnapshot(long version, TableVersion tableVersion, IReadOnlyDictionary<SiloAddress, MembershipEntry> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        Version = version;
        TableVersion = tableVersion;
        Members = members;
    }

    public static MembershipSnapshot Empty { get; } = new(0, new TableVersion(0, ""), new Dictionary<SiloAddress, MembershipEntry>());

    public long Version { get; }

    public TableVersion TableVersion { get; }

    public IReadOnlyDictionary<SiloAddress, MembershipEntry> Members { get; }

    /// <summary>The silo's status, <see cref="SiloStatus.None"/> when it is not in the table.</summary>
    public SiloStatus GetSiloStatus(SiloAddress silo) =>
        Members.TryGetValue(silo, out var entry) ? entry.Status : SiloStatus.None;

    /// <summary>Members with status <see cref="SiloStatus.Active"/>, ordered by address.</summary>
    public IReadOnlyList<MembershipEntry> ActiveMembers()
    {
        var active = new List<MembershipEntry>();
        foreach (var entry in Members.Values)
        {
            if (entry.Status == SiloStatus.Active)
            {
                active.Add(entry);
            }
        }

        active.Sort(static (a, b) => string.CompareOrdinal(a.SiloAddress.ToString(), b.SiloAddress.ToString()));
        return active;
    }

    /// <summary>Status changes from <paramref name="previous"/> to this snapshot.</summary>
    public IReadOnlyList<SiloStatusChange> ChangesSince(MembershipSnapshot previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var changes = new List<SiloStatusChange>();
        foreach (var (silo, entry) in Members)
        {
            var old = previous.GetSiloStatus(silo);
            if (old != entry.Status)
            {
                changes.Add(new SiloStatusChange(silo, old, entry.Status));
            }
        }

        foreach (var (silo, entry) in previous.Members)
        {
            if (!Members.ContainsKey(silo))
            {
                changes.Add(new SiloStatusChange(silo, entry.Status, SiloStatus.None));
            }
        }

        return changes;
    }

    public override string ToString() => $"snapshot {Version} ({Members.Count} silos, table {TableVersion})";
}
