using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistInfer.Silo.Http.Contracts;

/// <summary>Body of POST /v1/chat/completions (fields not listed are ignored).</summary>
public sealed class ChatCompletionRequest : VllmRequestExtras, ISamplingRequest
{
    [JsonConverter(typeof(RequestTextConverter))]
    public string? Model { get; set; }

    public IList<ChatMessageIn?>? Messages { get; set; }

    [JsonConverter(typeof(WholeNumberConverter))]
    public int? MaxTokens { get; set; }

    [JsonConverter(typeof(WholeNumberConverter))]
    public int? MaxCompletionTokens { get; set; }

    public float? Temperature { get; set; }
    public float? TopP { get; set; }
    public long? Seed { get; set; }

    // vLLM's extra sampling parameters.
    [JsonConverter(typeof(WholeNumberConverter))]
    public int? TopK { get; set; }

    public float? MinP { get; set; }
    public float? RepetitionPenalty { get; set; }

    [JsonConverter(typeof(WholeNumberConverter))]
    public int? MinTokens { get; set; }

    public bool? IgnoreEos { get; set; }

    /// <summary>A string or a list of strings.</summary>
    public JsonElement Stop { get; set; }

    [JsonConverter(typeof(WholeNumberConverter))]
    public int? N { get; set; }

    /// <summary>Return each generated token's log-probability.</summary>
    public bool? Logprobs { get; set; }

    /// <summary>With <see cref="Logprobs"/>: how many of the most likely tokens to list at each position (0 to 20).</summary>
    [JsonConverter(typeof(WholeNumberConverter))]
    public int? TopLogprobs { get; set; }

    // OpenAI parameters DistInfer does not implement: read only so that a non-default value is refused (UnsupportedParameters).
    public JsonElement LogitBias { get; set; }
    public float? PresencePenalty { get; set; }
    public float? FrequencyPenalty { get; set; }
    public JsonElement ResponseFormat { get; set; }
    public JsonElement Tools { get; set; }
    public JsonElement ToolChoice { get; set; }
    public JsonElement Functions { get; set; }
    public JsonElement FunctionCall { get; set; }

    public bool? Stream { get; set; }
    public StreamOptions? StreamOptions { get; set; }
}
