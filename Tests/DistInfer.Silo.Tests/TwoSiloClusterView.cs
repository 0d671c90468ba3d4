using DistInfer.Silo.Dashboard;

namespace DistInfer.Silo.Tests;

/// <summary>
/// A cluster view as the runtime gives it: two silos, experts of one layer spread over both; activations, experts and
/// stages name their silo by address (HOST:PORT@GENERATION), as FabricClusterView does.
/// </summary>
internal sealed class TwoSiloClusterView : IClusterView
{
    public const string A = "10.0.0.1:11111@101";
    public const string B = "10.0.0.1:11112@102";

    public ValueTask<ClusterSnapshot> GetSnapshotAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new ClusterSnapshot
    {
        ClusterId = "two",
        At = DateTimeOffset.UnixEpoch,
        Silos =
        [
            new SiloInfo { Name = "silo-a", Address = A, Status = "Active", Roles = ["experts"], CpuPercent = 40, MemoryUsedBytes = 1 << 30, MemoryTotalBytes = 8L << 30, Accelerators = [new AcceleratorInfo { Name = "gpu0", MemoryUsedBytes = 2L << 30, MemoryTotalBytes = 80L << 30 }] },
            new SiloInfo { Name = "silo-b", Address = B, Status = "ShuttingDown", Roles = ["experts", "http"], CpuPercent = 5, MemoryUsedBytes = 1 << 29, MemoryTotalBytes = 8L << 30 },
        ],
        Activations = [new ActivationCount { GrainType = "ExpertGrain", Silo = A, Count = 3 }, new ActivationCount { GrainType = "ExpertGrain", Silo = B, Count = 2 }],
        Experts =
        [
            new ExpertPlacement { Model = "m", Layer = 0, Expert = 0, Replica = 0, Silo = A, Load = 100 },
            new ExpertPlacement { Model = "m", Layer = 0, Expert = 0, Replica = 1, Silo = B, Load = 50 },
            new ExpertPlacement { Model = "m", Layer = 0, Expert = 1, Replica = 0, Silo = B, Load = 0 },
        ],
        Pipeline = [new PipelineStage { Model = "m", Stage = 0, Silo = A, FirstLayer = 0, LastLayer = 1, Utilization = 0.75 }, new PipelineStage { Model = "m", Stage = 1, Silo = B, FirstLayer = 2, LastLayer = 3 }],
    });
}
