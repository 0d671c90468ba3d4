using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Hosting.Clustering;

/// <summary>How a silo joins its cluster (the cluster id is <see cref="SiloOptions.ClusterId"/>).</summary>
public sealed class ClusteringOptions
{
    public ClusteringMode Clustering { get; set; } = ClusteringMode.Localhost;

    /// <summary>StackExchange.Redis configuration string ("host:port[,password=...]") for <see cref="ClusteringMode.Redis"/>.</summary>
    public string RedisConnectionString { get; set; } = "127.0.0.1:6379";

    /// <summary>Prefix of the Redis keys ("{prefix}:{{clusterId}}:membership").</summary>
    public string RedisKeyPrefix { get; set; } = "distinfer";

    /// <summary>How long the first connect to Redis may take before the silo fails to start.</summary>
    public TimeSpan RedisConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Probe, vote and refresh timing of the membership protocol.</summary>
    public MembershipOptions Membership { get; set; } = new();
}
