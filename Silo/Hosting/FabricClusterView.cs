using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using DistInfer.Silo.Dashboard;

namespace DistInfer.Silo.Hosting;

/// <summary>The dashboard's view of a real cluster: membership for silos, the fabric's grains for placement and load.</summary>
public sealed class FabricClusterView(IClusterMembershipService membership, IGrainFactory grains, SiloHostOptions options) : IClusterView
{
    public async ValueTask<ClusterSnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var status = await grains.GetGrain<IFrontGrain>("dashboard").Status().ConfigureAwait(false);
        var silos = membership.Current.Silos.Select(s => new Dashboard.SiloInfo
        {
            Name = s.Name,
            Address = s.Address.ToString(),
            Status = s.StatusText,
            Roles = [.. s.Roles],
            CpuPercent = s.Statistics.CpuUsage * 100,
            MemoryTotalBytes = s.Statistics.MemoryTotalBytes,
            MemoryUsedBytes = s.Statistics.MemoryTotalBytes - s.Statistics.MemoryAvailableBytes,
            Accelerators = [.. s.Statistics.Accelerators.Select(a => new Dashboard.AcceleratorInfo { Name = a.Name, MemoryTotalBytes = a.MemoryTotalBytes, MemoryUsedBytes = a.MemoryTotalBytes - a.MemoryFreeBytes })],
        }).ToList();
        var activations = new List<ActivationCount>();
        foreach (var row in status.Silos)
        {
            activations.Add(new ActivationCount { GrainType = "StageGrain", Silo = row.Address, Count = row.StageActivations });
            activations.Add(new ActivationCount { GrainType = "ExpertGrain", Silo = row.Address, Count = row.ExpertActivations });
            activations.Add(new ActivationCount { GrainType = "other", Silo = row.Address, Count = Math.Max(0, row.Activations - row.StageActivations - row.ExpertActivations) });
        }

        return new ClusterSnapshot
        {
            ClusterId = options.ClusterId,
            At = DateTimeOffset.UtcNow,
            Silos = silos,
            Activations = activations,
            Experts = [.. status.Experts.Select(e => new Dashboard.ExpertPlacement { Model = e.Model, Layer = e.Layer, Expert = e.Expert, Replica = e.Replica, Silo = e.Silo, Load = e.Tokens })],
            Pipeline = [.. status.Stages.Select(s => new PipelineStage { Model = s.Model, Stage = s.Stage, Silo = s.Silo, Utilization = Math.Clamp(s.Utilisation, 0, 1) })],
        };
    }
}
