using System.Diagnostics;
using DistInfer.Silo.Serving;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace DistInfer.Silo.Dashboard;

/// <summary>
/// The cluster as one process sees itself: one silo, one "local-model" activation per served model, every
/// expert of every MoE layer on this silo (load 0: the local engine keeps no per-expert counts), one pipeline
/// stage per model that is busy (1) while any request runs.
/// </summary>
public sealed class LocalClusterView : IClusterView
{
    private readonly IInferenceService _service;
    private readonly IServer? _server;
    private readonly TimeProvider _time;
    private readonly Lock _cpuLock = new();
    private readonly string _name = $"{Environment.MachineName}:{Environment.ProcessId}";
    private TimeSpan _lastCpu;
    private long _lastTimestamp;

    public LocalClusterView(IInferenceService service, TimeProvider time, IServer? server = null)
    {
        _service = service;
        _server = server;
        _time = time;
        using var process = Process.GetCurrentProcess();
        _lastCpu = process.TotalProcessorTime;
        _lastTimestamp = time.GetTimestamp();
    }

    public ValueTask<ClusterSnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var models = _service.Models;
        var (running, _) = _service.Load;
        var activations = new List<ActivationCount>();
        if (models.Count > 0)
        {
            activations.Add(new ActivationCount { GrainType = "local-model", Silo = _name, Count = models.Count });
        }

        var experts = new List<ExpertPlacement>();
        var stages = new List<PipelineStage>();
        foreach (var m in models)
        {
            var config = m.Config;
            stages.Add(new PipelineStage
            {
                Model = m.Name,
                Stage = 0,
                Silo = _name,
                FirstLayer = 0,
                LastLayer = config.NumLayers - 1,
                Utilization = running > 0 ? 1 : 0,
            });
            if (!config.IsMoe)
            {
                continue;
            }

            for (var layer = 0; layer < config.NumLayers; layer++)
            {
                if (!config.MoeLayers[layer])
                {
                    continue;
                }

                for (var e = 0; e < config.NumExperts; e++)
                {
                    experts.Add(new ExpertPlacement { Model = m.Name, Layer = layer, Expert = e, Replica = 0, Silo = _name, Load = 0 });
                }
            }
        }

        var gc = GC.GetGCMemoryInfo();
        using var process = Process.GetCurrentProcess();
        var silo = new SiloInfo
        {
            Name = _name,
            Address = Addresses(),
            Status = "Active",
            Roles = ["http", "inference"],
            CpuPercent = CpuPercent(process),
            MemoryUsedBytes = gc.MemoryLoadBytes,
            ProcessMemoryBytes = process.WorkingSet64,
            MemoryTotalBytes = gc.TotalAvailableMemoryBytes,
        };
        return ValueTask.FromResult(new ClusterSnapshot
        {
            ClusterId = "local",
            At = _time.GetUtcNow(),
            Silos = [silo],
            Activations = activations,
            Experts = experts,
            Pipeline = stages,
        });
    }

    private string Addresses()
    {
        var addresses = _server?.Features.Get<IServerAddressesFeature>()?.Addresses;
        return addresses is null || addresses.Count == 0 ? "" : string.Join(", ", addresses);
    }

    // CPU since the previous call (or since startup): computed on request, nothing sampled in the background.
    private double CpuPercent(Process process)
    {
        var cpu = process.TotalProcessorTime;
        var now = _time.GetTimestamp();
        lock (_cpuLock)
        {
            var wall = _time.GetElapsedTime(_lastTimestamp, now);
            var used = cpu - _lastCpu;
            _lastCpu = cpu;
            _lastTimestamp = now;
            return wall <= TimeSpan.Zero ? 0 : Math.Clamp(100.0 * used / wall / Environment.ProcessorCount, 0, 100);
        }
    }
}
