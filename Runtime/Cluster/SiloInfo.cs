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

    /// <summary>Port clients (gateway connections) use on <see cref="Address"/>'s host; 0: the silo port.</summary>
    public int GatewayPort { get; init; }

    /// <summary>The port clients connect to: the gateway port, else the silo port.</summary>
    public int ClientPort => GatewayPort > 0 ? GatewayPort : Address.Port;

    /// <summary>HOST:PORT clients connect to.</summary>
    public string Gateway => $"{Address.Host}:{ClientPort}";

    public SiloStatus Status { get; init; } = SiloStatus.Active;

    public IReadOnlySet<string> Roles { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Full names of the grain interfaces this silo hosts; placement only considers such silos.</summary>
    public IReadOnlySet<string> GrainInterfaces { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public SiloStatistics Statistics { get; init; } = new();

    /// <summary>The silo's <see cref="Messaging.WireProtocol"/> version (0: it advertised none, an older build).</summary>
    public int WireProtocol { get; init; } = Messaging.WireProtocol.Version;

    /// <summary>Whether this silo speaks this build's wire protocol (calls between us are not refused).</summary>
    public bool IsCompatible => WireProtocol == Messaging.WireProtocol.Version;

    /// <summary>Whether this silo can take part in placement and the directory: active and of this build's protocol.</summary>
    public bool IsActiveAndCompatible => Status == SiloStatus.Active && IsCompatible;

    /// <summary>The status as status pages show it, saying when an active silo is left out for its protocol.</summary>
    public string StatusText => Status == SiloStatus.Active && !IsCompatible
        ? $"Active, wire protocol {WireProtocol} (this build: {Messaging.WireProtocol.Version}), left out"
        : Status.ToString();

    public bool Hosts(string grainInterface) => GrainInterfaces.Contains(grainInterface);
}
