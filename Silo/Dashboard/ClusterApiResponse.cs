using DistInfer.Silo.Metrics;

namespace DistInfer.Silo.Dashboard;

/// <summary>GET /api/cluster: the cluster view plus this silo's request statistics.</summary>
public sealed class ClusterApiResponse
{
    public ClusterSnapshot Cluster { get; init; } = new();
    public RequestStats Requests { get; init; } = new();
}
