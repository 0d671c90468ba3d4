using System.Text.Json.Serialization;
using DistInfer.Grains;

namespace DistInfer.Cli;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ClusterStatus))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
