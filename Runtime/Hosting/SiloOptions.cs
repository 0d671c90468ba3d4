using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Hosting;

/// <summary>Configuration of one silo.</summary>
public sealed class SiloOptions
{
    public string Name { get; set; } = Environment.MachineName;

    public string ClusterId { get; set; } = "dev";

    /// <summary>Address to listen on and advertise.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Silo-to-silo port (clients may use it too); 0 picks a free port.</summary>
    public int Port { get; set; }

    /// <summary>
    /// A separate port for clients (Orleans' gateway port), advertised in membership for gateway lists; null: clients
    /// use <see cref="Port"/>. 0 picks a free port. Both listeners speak the same protocol.
    /// </summary>
    public int? GatewayPort { get; set; }

    public ISet<string> Roles { get; } = new HashSet<string>(StringComparer.Ordinal);

    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Which registered grain classes this silo hosts (default all).</summary>
    public Func<Type, bool> GrainClassFilter { get; set; } = static _ => true;

    public PlacementStrategy DefaultPlacement { get; set; } = RandomPlacement.Instance;

    /// <summary>Idle age after which activations are collected, unless the class has [CollectionAgeLimit].</summary>
    public TimeSpan DefaultCollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often statistics are republished through membership.</summary>
    public TimeSpan StatisticsRefreshPeriod { get; set; } = TimeSpan.FromSeconds(5);

    public MessagingOptions Messaging { get; set; } = new();
}
