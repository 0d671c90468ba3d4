using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// Key: a silo address. That silo's copy of every model's deployment record, written by the model registry on each
/// change and read back when the registry re-activates elsewhere (its silo drained or died), so a deployment
/// outlives the silo holding the registry.
/// </summary>
public interface IDeploymentRecordGrain : IGrainWithStringKey
{
    /// <summary>Keeps <paramref name="info"/> unless the copy held is newer (higher replica set version).</summary>
    Task Save(DeploymentInfo info);

    /// <summary>
    /// Keeps <paramref name="retired"/> (an undeployment's record) and has this silo's front stop serving the model,
    /// waiting up to <paramref name="drainMilliseconds"/> for its running requests; returns how many it then ended.
    /// </summary>
    [ResponseTimeout("00:30:00")]
    Task<int> Retire(DeploymentInfo retired, int drainMilliseconds);

    /// <summary>This silo's copy of the model's record, or null.</summary>
    Task<DeploymentInfo?> Find(string model);
}
