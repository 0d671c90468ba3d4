using System.Text.Json.Serialization;

namespace DistInfer.Silo.Dashboard;

/// <summary>Source-generated JSON of /api/cluster (camelCase, for the dashboard's script).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ClusterApiResponse))]
public sealed partial class DashboardJsonContext : JsonSerializerContext;
