using System.Text.Json.Serialization;

namespace DistInfer.Silo.Http.Contracts;

/// <summary>A choice of a chat completion: message when complete, delta in a chunk.</summary>
public sealed class ChatChoice
{
    public int Index { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChatMessageOut? Message { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChatMessageOut? Delta { get; set; }

    /// <summary>Null unless the request set logprobs; in a chunk, that chunk's tokens.</summary>
    public ChatLogprobs? Logprobs { get; set; }
    public string? FinishReason { get; set; }

    /// <summary>Extension: the generated token ids (in a chunk, the ids of this chunk).</summary>
    public IReadOnlyList<int> TokenIds { get; set; } = [];
}
