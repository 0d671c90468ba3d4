namespace DistInfer.Runtime.Membership;

/// <summary>
/// One silo's row in the membership table (Orleans' MembershipEntry). Immutable: change it with <c>with</c>.
/// Metadata carries what placement needs (CPU count, memory, accelerators, custom key-values) as strings so the
/// table stays schema-free; <see cref="SiloMetadataKeys"/> names the well-known keys.
/// </summary>
public sealed record MembershipEntry
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    public required SiloAddress SiloAddress { get; init; }

    public string SiloName { get; init; } = "";

    public SiloStatus Status { get; init; }

    public string HostName { get; init; } = "";

    /// <summary>Client gateway port, 0 when the silo is no gateway.</summary>
    public int ProxyPort { get; init; }

    public IReadOnlyList<string> Roles { get; init; } = [];

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = NoMetadata;

    public DateTimeOffset StartTime { get; init; }

    public DateTimeOffset IAmAliveTime { get; init; }

    public IReadOnlyList<SuspectVote> SuspectTimes { get; init; } = [];

    /// <summary>Whether two metadata maps hold the same key-values.</summary>
    internal static bool SameMetadata(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || other != value)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Votes cast after <paramref name="expiredBefore"/>, one per voter (the newest).</summary>
    public IReadOnlyList<SuspectVote> FreshVotes(DateTimeOffset expiredBefore)
    {
        var fresh = new List<SuspectVote>(SuspectTimes.Count);
        foreach (var vote in SuspectTimes)
        {
            if (vote.Time <= expiredBefore)
            {
                continue;
            }

            var index = fresh.FindIndex(v => v.Voter == vote.Voter);
            if (index < 0)
            {
                fresh.Add(vote);
            }
            else if (fresh[index].Time < vote.Time)
            {
                fresh[index] = vote;
            }
        }

        return fresh;
    }

    public override string ToString() => $"{SiloName} {SiloAddress} {Status}";
}
