using System.Text.Json;

namespace DistInfer.Silo.Http.Contracts;

/// <summary>vLLM's request fields that both generation endpoints take: stop_token_ids, and extras refused unless neutral.</summary>
public abstract class VllmRequestExtras
{
    /// <summary>Token ids that end the sequence besides the model's EOS.</summary>
    public JsonElement StopTokenIds { get; set; }

    /// <summary>Not implemented: refused unless neutral (<see cref="Http.UnsupportedParameters"/>).</summary>
    public bool? IncludeStopStrInOutput { get; set; }

    public bool? SkipSpecialTokens { get; set; }

    public JsonElement PromptLogprobs { get; set; }

    public JsonElement GuidedJson { get; set; }

    public JsonElement GuidedRegex { get; set; }

    public JsonElement GuidedChoice { get; set; }

    public JsonElement GuidedGrammar { get; set; }
}
