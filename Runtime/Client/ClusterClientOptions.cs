using DistInfer.Runtime.Messaging;

namespace DistInfer.Runtime.Client;

public sealed class ClusterClientOptions
{
    public string ClusterId { get; set; } = "dev";

    /// <summary>Gateway endpoints ("host:port"), tried in order; the client fails over to the next one.</summary>
    public IList<string> Gateways { get; } = [];

    /// <summary>
    /// Reads gateways at connect and again whenever none of the known ones answers (failover to silos that
    /// joined later); the static <see cref="Gateways"/> may then stay empty.
    /// </summary>
    public IGatewayListProvider? GatewayListProvider { get; set; }

    /// <summary>Gateways from the Redis membership table of <see cref="ClusterId"/> instead of a static list.</summary>
    public ClusterClientOptions UseRedisGateways(string redisConnectionString, string keyPrefix = "distinfer")
    {
        GatewayListProvider = new RedisGatewayListProvider(redisConnectionString, keyPrefix);
        return this;
    }

    public MessagingOptions Messaging { get; set; } = new();
}
