using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using DistInfer.Silo.Dashboard;

namespace DistInfer.Silo.Hosting;

/// <summary>The dashboard's view of a real cluster: membership for silos, the fabric's grains for placement and load.</summary>
public sealed class FabricClusterView(IClusterMembershipService membership, IGrainFactory grains, FabricFront front, SiloHostOptions options) : IClusterView
{
    public async ValueTask<ClusterSnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var status = await grains.GetGrain<IFrontGrain>("dashboard").Status().ConfigureAwait(false);
        var silos = RestartedSilos.WithoutReplacedIncarnations(membership.Current.Silos).Select(s => new Dashboard.SiloInfo
        {
            Name = s.Name,
            Address = s.Address.ToString(),
            Status = s.StatusText,
            Roles = [.. s.Roles],
            CpuPercent = s.Statistics.CpuUsage * 100,
            MemoryTotalBytes = s.Statistics.MemoryTotalBytes,
            MemoryUsedBytes = s.Statistics.MemoryTotalBytes - s.Statistics.MemoryAvailableBytes,
            ProcessMemoryBytes = s.Statistics.ProcessMemoryBytes,
            Accelerators = [.. s.Statistics.Accelerators.Select(a => new Dashboard.AcceleratorInfo { Name = a.Name, MemoryTotalBytes = a.MemoryTotalBytes, MemoryUsedBytes = a.MemoryTotalBytes - a.MemoryFreeBytes })],
        }).ToList();
        var activations = new List<ActivationCount>();
        foreach (var row in status.Silos)
        {
            activations.Add(new ActivationCount { GrainType = "StageGrain", Silo = row.Address, Count = row.StageActivations });
            activations.Add(new ActivationCount { GrainType = "ExpertGrain", Silo = row.Address, Count = row.ExpertActivations });
            activations.Add(new ActivationCount { GrainType = "other", Silo = row.Address, Count = Math.Max(0, row.Activations - row.StageActivations - row.ExpertActivations) });
        }

        var boundaries = await BoundariesAsync(status.Stages.Select(s => s.Model)).ConfigureAwait(false);
        return new ClusterSnapshot
        {
            ClusterId = options.ClusterId,
            At = DateTimeOffset.UtcNow,
            Silos = silos,
            Activations = activations,
            Experts = [.. status.Experts.Select(e => new Dashboard.ExpertPlacement { Model = e.Model, Layer = e.Layer, Expert = e.Expert, Replica = e.Replica, Silo = e.Silo, Load = e.Tokens })],
            Pipeline = [.. status.Stages.Select(s => Stage(s, boundaries.GetValueOrDefault(s.Model)))],
        };
    }

    // Stage s covers layers [Boundaries[s], Boundaries[s + 1]); the dashboard shows the last one inclusive.
    private static PipelineStage Stage(StagePlacementRow row, List<int>? boundaries)
    {
        var known = boundaries is not null && row.Stage >= 0 && row.Stage + 1 < boundaries.Count;
        return new PipelineStage
        {
            Model = row.Model,
            Stage = row.Stage,
            Silo = row.Silo,
            FirstLayer = known ? boundaries![row.Stage] : 0,
            LastLayer = known ? boundaries![row.Stage + 1] - 1 : 0,
            Utilization = Math.Clamp(row.Utilisation, 0, 1),
        };
    }

    /// <summary>Each model's stage boundaries: from this silo's records, else its registry (a model deployed just now elsewhere).</summary>
    private async Task<Dictionary<string, List<int>>> BoundariesAsync(IEnumerable<string> models)
    {
        var boundaries = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var info in front.Known)
        {
            boundaries.TryAdd(info.Name, info.Boundaries);
        }

        foreach (var model in models.Distinct(StringComparer.Ordinal).Where(m => !boundaries.ContainsKey(m)).ToList())
        {
            if (await grains.GetGrain<IModelRegistryGrain>(model).Describe().ConfigureAwait(false) is { } info)
            {
                boundaries[model] = info.Boundaries;
            }
        }

        return boundaries;
    }
}
