namespace DistInfer.Runtime.Membership.Redis;

/// <summary>Where the Redis membership table lives.</summary>
public sealed class RedisMembershipOptions
{
    /// <summary>StackExchange.Redis configuration string, e.g. "127.0.0.1:6379,password=...".</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    public string ClusterId { get; set; } = "dev";

    /// <summary>Keys are "{KeyPrefix}:{{clusterId}}:membership" (hash tag keeps a cluster in one slot).</summary>
    public string KeyPrefix { get; set; } = "distinfer";

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A table operation that takes longer fails as unavailable (retriable).</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
