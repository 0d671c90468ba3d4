namespace DistInfer.Silo.Hosting;

/// <summary>distinfer-silo's command line.</summary>
public sealed class SiloHostOptions
{
    public string Name { get; set; } = "silo-" + Environment.ProcessId;
    public string ClusterId { get; set; } = "dev";

    /// <summary>localhost (one process) or redis.</summary>
    public string Clustering { get; set; } = "localhost";

    public string? Redis { get; set; }
    public string Host { get; set; } = "127.0.0.1";
    public int SiloPort { get; set; } = 11111;

    /// <summary>A separate port for clients (a second listener, advertised in membership); null: clients use the silo port.</summary>
    public int? GatewayPort { get; set; }
    public int HttpPort { get; set; } = 8080;
    public string? Role { get; set; }
    public string? ModelCache { get; set; }

    /// <summary>The model cache's byte limit (<see cref="Grains.Weights.WeightsOptions.CacheMaxBytes"/>); 0: none.</summary>
    public long ModelCacheMaxBytes { get; set; }

    /// <summary>Most sequences a CPU stage on this silo holds (<see cref="Grains.Fabric.FabricOptions.StageMaxSequences"/>); 0: no limit.</summary>
    public int StageMaxSequences { get; set; }

    /// <summary>A model directory to deploy at start (the bundled demo model when the silo runs with no arguments).</summary>
    public string? Model { get; set; }

    public string ModelName { get; set; } = "demo-moe";
    public int Stages { get; set; } = 1;

    /// <summary>FabricOptions.RebalanceOnJoin: spread deployed models' experts onto silos that join.</summary>
    public bool RebalanceOnJoin { get; set; } = true;
    public IList<string> ApiKeys { get; } = [];

    /// <summary>HttpApiOptions.CorsOrigins; null keeps its default (any origin), empty turns CORS off.</summary>
    public IList<string>? CorsOrigins { get; set; }

    /// <summary>auto, cpu or cuda (see <see cref="GpuSelection"/>); null reads DISTINFER_DEVICE.</summary>
    public string? Device { get; set; }

    /// <summary>
    /// How long a graceful stop (SIGTERM) lets accepted HTTP requests finish before the silo deactivates its grains;
    /// under systemd's TimeoutStopSec (120 s in deploy/systemd), above the host's 30 s default so long generations end.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Where clients connect: the gateway port when separate, else the silo port.</summary>
    public int ClientPort => GatewayPort ?? SiloPort;
}
