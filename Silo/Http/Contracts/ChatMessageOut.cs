using System.Text.Json.Serialization;

namespace DistInfer.Silo.Http.Contracts;

/// <summary>The assistant message of a chat completion, or the delta of a chunk.</summary>
public sealed class ChatMessageOut
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Role { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Content { get; set; }
}
