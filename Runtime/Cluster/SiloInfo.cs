using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Cluster;

/// <summary>
/// What the cluster knows about a silo: address, status, roles, metadata key-values, the grain interfaces it can host
/// and its latest statistics. Immutable; a refresh publishes a new instance.
/// </summary>
public sealed record SiloInfo
{
    public required SiloAddress Address { get; init; }

    public string Name { get; init; } = string.Empty;

    public SiloStatus Status { get; init; } = SiloStatus.Active;

    public IReadOnlySet<string> Roles { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Full names of the grain interfaces this silo hosts; placement only considers such silos.</summary>
    public IReadOnlySet<string> GrainInterfaces { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public SiloStatistics Statistics { get; init; } = new();

    public bool Hosts(string grainInterface) => GrainInterfaces.Contains(grainInterface);
}
