using System.Text.Json.Serialization;
using DistInfer.Grains;

namespace DistInfer.Cli;

// Enums by name: a script reading `status --json` should not need the numbering of WeightLoadPhase.
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ClusterStatus))]
[JsonSerializable(typeof(RebalanceResult))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
