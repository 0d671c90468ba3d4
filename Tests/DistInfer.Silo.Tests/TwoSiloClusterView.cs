using DistInfer.Silo.Dashboard;

namespace DistInfer.Silo.Tests;

/// <summary>A cluster view as the runtime would give it: two silos, experts of one layer spread over both.</summary>
internal sealed class TwoSiloClusterView : IClusterView
{
    public ValueTask<ClusterSnapshot> GetSnapshotAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new ClusterSnapshot
    {
        ClusterId = "two",
        At = DateTimeOffset.UnixEpoch,
        Silos =
        [
            new SiloInfo { Name = "silo-a", Address = "10.0.0.1:11111", Status = "Active", Roles = ["experts"], CpuPercent = 40, MemoryUsedBytes = 1 << 30, MemoryTotalBytes = 8L << 30, Accelerators = [new AcceleratorInfo { Name = "gpu0", MemoryUsedBytes = 2L << 30, MemoryTotalBytes = 80L << 30 }] },
            new SiloInfo { Name = "silo-b", Address = "10.0.0.2:11111", Status = "ShuttingDown", Roles = ["experts", "http"], CpuPercent = 5, MemoryUsedBytes = 1 << 29, MemoryTotalBytes = 8L << 30 },
        ],
        Activations = [new ActivationCount { GrainType = "ExpertGrain", Silo = "silo-a", Count = 3 }, new ActivationCount { GrainType = "ExpertGrain", Silo = "silo-b", Count = 2 }],
        Experts =
        [
            new ExpertPlacement { Model = "m", Layer = 0, Expert = 0, Replica = 0, Silo = "silo-a", Load = 100 },
            new ExpertPlacement { Model = "m", Layer = 0, Expert = 0, Replica = 1, Silo = "silo-b", Load = 50 },
            new ExpertPlacement { Model = "m", Layer = 0, Expert = 1, Replica = 0, Silo = "silo-b", Load = 0 },
        ],
        Pipeline = [new PipelineStage { Model = "m", Stage = 0, Silo = "silo-a", FirstLayer = 0, LastLayer = 1, Utilization = 0.75 }],
    });
}
