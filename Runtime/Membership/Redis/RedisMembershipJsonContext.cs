using System.Text.Json.Serialization;

namespace DistInfer.Runtime.Membership.Redis;

/// <summary>Source-generated serializers for membership rows (no reflection at run time).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(RedisMembershipDocument))]
internal sealed partial class RedisMembershipJsonContext : JsonSerializerContext;
