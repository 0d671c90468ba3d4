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

    /// <summary>
    /// Stops serving the model: every silo's front takes no new request for it and waits up to
    /// <paramref name="drainMilliseconds"/> for the running ones (then ends them with an error naming the model); then
    /// the stages drop their weights and KV caches and the expert replicas retire. The name is free afterwards, for
    /// this checkpoint or another. Fails, naming the model, when it is not deployed.
    /// </summary>
    [ResponseTimeout("00:30:00")]
    Task<UndeployResult> Undeploy(int drainMilliseconds);

    /// <summary>The deployment, or null when none (never deployed, undeployed, or being undeployed).</summary>
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
