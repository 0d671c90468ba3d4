using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistInfer.Silo.Http.Contracts;

/// <summary>Body of POST /v1/completions (fields not listed are ignored).</summary>
public sealed class CompletionRequest : VllmRequestExtras, ISamplingRequest
{
    [JsonConverter(typeof(RequestTextConverter))]
    public string? Model { get; set; }

    /// <summary>A string, a list of strings, a list of token ids or a list of token id lists.</summary>
    public JsonElement Prompt { get; set; }

    [JsonConverter(typeof(WholeNumberConverter))]
    public int? MaxTokens { get; set; }

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

    /// <summary>Legacy completions: return per-token log-probabilities with this many alternatives (0 to 5).</summary>
    [JsonConverter(typeof(WholeNumberConverter))]
    public int? Logprobs { get; set; }

    // OpenAI parameters DistInfer does not implement: read only so that a non-default value is refused (UnsupportedParameters).
    public bool? Echo { get; set; }

    // Insertion (text after the completion) changes what is generated; an empty suffix is what some clients send.
    [JsonConverter(typeof(RequestTextConverter))]
    public string? Suffix { get; set; }

    [JsonConverter(typeof(WholeNumberConverter))]
    public int? BestOf { get; set; }

    public JsonElement LogitBias { get; set; }
    public float? PresencePenalty { get; set; }
    public float? FrequencyPenalty { get; set; }

    public bool? Stream { get; set; }
    public StreamOptions? StreamOptions { get; set; }
}
