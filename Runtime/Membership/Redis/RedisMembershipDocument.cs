using System.Text.Json.Serialization;

namespace DistInfer.Runtime.Membership.Redis;

/// <summary>The JSON stored in a silo's hash field: the row etag (read by the CAS scripts) and the entry.</summary>
internal sealed record RedisMembershipDocument(
    [property: JsonPropertyName("etag")] string ETag,
    [property: JsonPropertyName("entry")] MembershipEntry Entry);
