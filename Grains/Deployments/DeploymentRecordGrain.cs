using DistInfer.Grains.Weights;
using DistInfer.Runtime;

namespace DistInfer.Grains.Deployments;

/// <summary>One per silo (keyed and placed by silo address): that silo's copies of deployment records.</summary>
[SiloPinnedPlacement]
[Reentrant]
public sealed class DeploymentRecordGrain(DeploymentRecords records) : Grain, IDeploymentRecordGrain
{
    public Task Save(DeploymentInfo info)
    {
        records.Save(info);
        return Task.CompletedTask;
    }

    public Task<DeploymentInfo?> Find(string model) => Task.FromResult(records.Find(model));
}
