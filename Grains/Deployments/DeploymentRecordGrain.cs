using DistInfer.Grains.Fabric;
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
        (ServiceProvider.GetService(typeof(FabricFront)) as FabricFront)?.OnRecordSaved(info);
        return Task.CompletedTask;
    }

    public async Task<int> Retire(DeploymentInfo retired, int drainMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(retired);
        records.Save(retired);
        return ServiceProvider.GetService(typeof(FabricFront)) is FabricFront front
            ? await front.RetireAsync(retired.Name, TimeSpan.FromMilliseconds(drainMilliseconds))
            : 0;
    }

    public Task<DeploymentInfo?> Find(string model) => Task.FromResult(records.Find(model));
}
