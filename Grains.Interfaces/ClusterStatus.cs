using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>What `distinfer status` prints: silos, activations, and where each expert replica runs and its load.</summary>
[GenerateSerializer]
public sealed record ClusterStatus
{
    [Id(0)] public List<SiloStatusRow> Silos { get; init; } = [];
    [Id(1)] public List<ExpertPlacementRow> Experts { get; init; } = [];
    [Id(2)] public List<StagePlacementRow> Stages { get; init; } = [];

    /// <summary>Weight loading of the models this front knows (deployed or deploying), per activation.</summary>
    [Id(3)] public List<DeploymentProgress> Deployments { get; init; } = [];
}

[GenerateSerializer]
public sealed record SiloStatusRow
{
    [Id(0)] public string Name { get; init; } = "";
    [Id(1)] public string Address { get; init; } = "";
    [Id(2)] public string Status { get; init; } = "";
    [Id(3)] public List<string> Roles { get; init; } = [];
    [Id(4)] public long MemoryTotalBytes { get; init; }
    [Id(5)] public long MemoryAvailableBytes { get; init; }
    [Id(6)] public int Activations { get; init; }
    [Id(7)] public double CpuUsage { get; init; }
    [Id(8)] public int StageActivations { get; init; }
    [Id(9)] public int ExpertActivations { get; init; }

    /// <summary>The silo process's resident memory; the two memory columns above are its host's.</summary>
    [Id(10)] public long ProcessMemoryBytes { get; init; }

    /// <summary>HOST:PORT clients connect to (`--gateway`): the silo's gateway port, or its silo port when they share.</summary>
    [Id(11)] public string Gateway { get; init; } = "";
}

[GenerateSerializer]
public sealed record ExpertPlacementRow
{
    [Id(0)] public string Model { get; init; } = "";
    [Id(1)] public int Layer { get; init; }
    [Id(2)] public int Expert { get; init; }
    [Id(3)] public int Replica { get; init; }
    [Id(4)] public string Silo { get; init; } = "";
    [Id(5)] public long Tokens { get; init; }
    [Id(6)] public string Key { get; init; } = "";

    /// <summary>Tokens routed to the replica and not yet answered, summed over the stages that dispatch to it.</summary>
    [Id(7)] public long Outstanding { get; init; }
}

[GenerateSerializer]
public sealed record StagePlacementRow
{
    [Id(0)] public string Model { get; init; } = "";
    [Id(1)] public int Replica { get; init; }
    [Id(2)] public int Stage { get; init; }
    [Id(3)] public string Silo { get; init; } = "";
    [Id(4)] public long Steps { get; init; }
    [Id(5)] public double BusySeconds { get; init; }
    [Id(6)] public int LiveSequences { get; init; }

    /// <summary>Busy time over wall time across the stage's recent micro-batches (see <see cref="StageStatus.Utilisation"/>).</summary>
    [Id(7)] public double Utilisation { get; init; }
}
