namespace DistInfer.Silo.Dashboard;

/// <summary>
/// What the dashboard, /api/cluster and the expert-load metrics show about the cluster. Called only when someone
/// asks (a dashboard poll or a scrape), so implementations compute on demand and keep no background aggregation.
/// Replace the one-process <see cref="LocalClusterView"/> by registering another before AddDistInferHttp.
/// </summary>
public interface IClusterView
{
    ValueTask<ClusterSnapshot> GetSnapshotAsync(CancellationToken cancellationToken);
}
