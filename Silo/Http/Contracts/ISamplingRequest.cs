namespace DistInfer.Silo.Http.Contracts;

/// <summary>The sampling fields both generation endpoints take (OpenAI's, and vLLM's extra ones).</summary>
internal interface ISamplingRequest
{
    float? Temperature { get; }
    float? TopP { get; }
    long? Seed { get; }
    int? TopK { get; }
    float? MinP { get; }
    float? RepetitionPenalty { get; }
    int? MinTokens { get; }
    bool? IgnoreEos { get; }

    /// <summary>vLLM's stop_token_ids (<see cref="VllmRequestExtras"/>).</summary>
    System.Text.Json.JsonElement StopTokenIds { get; }
}
