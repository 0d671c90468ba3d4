using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistInfer.Silo.Http.Contracts;

/// <summary>One message of a chat request.</summary>
public sealed class ChatMessageIn
{
    [JsonConverter(typeof(RequestTextConverter))]
    public string? Role { get; set; }

    /// <summary>A string, or a list of content parts ({"type":"text","text":...}).</summary>
    public JsonElement Content { get; set; }

    // Read only so that an assistant message that called tools may have no content, as OpenAI allows.
    public JsonElement ToolCalls { get; set; }
    public JsonElement FunctionCall { get; set; }
}
