using System.Text.Json.Serialization;
using DistInfer.Grains;

namespace DistInfer.Cli;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ClusterStatus))]
[JsonSerializable(typeof(RebalanceResult))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
