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

    System.Text.Json.JsonElement StopTokenIds { get; }

    bool? IncludeStopStrInOutput { get; }

    bool? SkipSpecialTokens { get; }

    System.Text.Json.JsonElement PromptLogprobs { get; }

    System.Text.Json.JsonElement GuidedJson { get; }

    System.Text.Json.JsonElement GuidedRegex { get; }

    System.Text.Json.JsonElement GuidedChoice { get; }

    System.Text.Json.JsonElement GuidedGrammar { get; }
}
