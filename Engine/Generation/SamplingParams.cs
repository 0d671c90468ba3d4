namespace DistInfer.Engine.Generation;

/// <summary>
/// How the next token is chosen. Temperature 0 is greedy. Top-k 0, top-p 1, min-p 0 and repetition penalty 1 disable
/// those. A seed makes sampling repeatable. Stop tokens end a sequence once <see cref="MinNewTokens"/> have been
/// produced; an empty <see cref="StopTokenIds"/> list generates until <see cref="MaxNewTokens"/> (vLLM's ignore_eos).
/// </summary>
public sealed record SamplingParams
{
    public float Temperature { get; init; }
    public int TopK { get; init; }
    public float TopP { get; init; } = 1.0f;
    public ulong? Seed { get; init; }
    public int MaxNewTokens { get; init; } = 16;
    public int MinNewTokens { get; init; }

    /// <summary>
    /// Drops tokens whose probability (after temperature) is below MinP times the most likely token's, before top-k
    /// and top-p, as vLLM applies min_p. 0 keeps every token.
    /// </summary>
    public float MinP { get; init; }

    /// <summary>
    /// Penalises every token of the prompt or generated so far, as transformers and vLLM do: a positive logit is
    /// divided by it, a negative one multiplied, so values above 1 discourage repeats. 1 changes nothing.
    /// </summary>
    public float RepetitionPenalty { get; init; } = 1.0f;

    /// <summary>Most alternatives <see cref="TopLogprobs"/> may ask for (OpenAI's chat limit).</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>
    /// How many of the most likely tokens to report with each chosen one (0: none, and no cost). Log-probabilities
    /// are those of the model's own distribution, before temperature, top-k, top-p or stop suppression.
    /// </summary>
    public int TopLogprobs { get; init; }

    /// <summary>
    /// Random draws to skip before the first token: the tokens an earlier run of the sequence sampled (one draw each),
    /// so a seeded generation resumed elsewhere goes on with the draws that run would have made next.
    /// </summary>
    public int RandomDrawsToSkip { get; init; }

    /// <summary>vLLM's stop_token_ids: ids that end a sequence besides <see cref="StopTokenIds"/> (or the model's EOS).</summary>
    public IReadOnlyList<int>? AdditionalStopTokenIds { get; init; }

    /// <summary>Token ids that end a sequence (the model's EOS unless overridden).</summary>
    public IReadOnlyList<int>? StopTokenIds { get; init; }

    public static SamplingParams Greedy(int maxNewTokens) => new() { MaxNewTokens = maxNewTokens };

    /// <summary>These parameters with their stop ids settled: <see cref="StopTokenIds"/> (else <paramref name="defaultStops"/>) and the additional ones.</summary>
    public SamplingParams WithStops(IReadOnlyList<int> defaultStops)
    {
        var stops = StopTokenIds ?? defaultStops;
        return this with { StopTokenIds = AdditionalStopTokenIds is { Count: > 0 } extra ? [.. stops, .. extra] : stops, AdditionalStopTokenIds = null };
    }

    public bool IsGreedy => Temperature <= 0f;

    /// <summary>Throws <see cref="DistInferException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (Temperature < 0 || float.IsNaN(Temperature))
        {
            throw new DistInferException($"temperature must be >= 0 (got {Temperature})");
        }

        if (TopP is <= 0 or > 1 || float.IsNaN(TopP))
        {
            throw new DistInferException($"top_p must be in (0, 1] (got {TopP})");
        }

        if (RandomDrawsToSkip < 0)
        {
            throw new DistInferException($"random draws to skip must be >= 0 (got {RandomDrawsToSkip})");
        }

        if (TopK < 0)
        {
            throw new DistInferException($"top_k must be >= 0 (got {TopK})");
        }

        if (MinP is < 0 or > 1 || float.IsNaN(MinP))
        {
            throw new DistInferException($"min_p must be between 0 and 1 (got {MinP})");
        }

        if (!(RepetitionPenalty > 0) || float.IsInfinity(RepetitionPenalty))
        {
            throw new DistInferException($"repetition_penalty must be a positive number (got {RepetitionPenalty})");
        }

        if (TopLogprobs is < 0 or > MaxTopLogprobs)
        {
            throw new DistInferException($"top_logprobs must be between 0 and {MaxTopLogprobs} (got {TopLogprobs})");
        }

        if (MaxNewTokens < 0 || MinNewTokens < 0 || MinNewTokens > MaxNewTokens)
        {
            throw new DistInferException($"need 0 <= min_new_tokens <= max_new_tokens (got {MinNewTokens} and {MaxNewTokens})");
        }
    }
}
