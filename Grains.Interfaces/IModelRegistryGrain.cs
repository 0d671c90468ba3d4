using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>One per model name: deploys it (plans stages, activates and loads every stage and expert) and describes it.</summary>
public interface IModelRegistryGrain : IGrainWithStringKey
{
    /// <summary>
    /// Returns when every activation has its weights. Redeploying takes the deployed checkpoint only (from any path);
    /// another checkpoint fails before anything loads, naming both, and the deployed model serves on.
    /// </summary>
    [ResponseTimeout("00:10:00")]
    Task<DeploymentInfo> Deploy(DeploymentRequest request);

    [AlwaysInterleave]
    Task<DeploymentInfo?> Describe();

    /// <summary>
    /// Replaces the expert replica set (the balancer's commit). Fails when <paramref name="expectedVersion"/> is not
    /// the current version, so two rebalances cannot interleave.
    /// </summary>
    Task<DeploymentInfo> UpdateExpertReplicas(List<ExpertReplicaInfo> replicas, long expectedVersion);

    /// <summary>Every activation's weight loading, while a deployment runs and after.</summary>
    [AlwaysInterleave]
    Task<DeploymentProgress> Progress();

    /// <summary>Loading activations report here (fire and forget); the latest report of each wins.</summary>
    [AlwaysInterleave]
    [OneWay]
    Task ReportProgress(WeightLoadProgress progress);
}
