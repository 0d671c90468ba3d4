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

    /// <summary>This silo's copy of the model's record, or null.</summary>
    Task<DeploymentInfo?> Find(string model);
}
