namespace DistInfer.Engine.Generation;

/// <summary>
/// How the next token is chosen. Temperature 0 is greedy. Top-k 0 and top-p 1 disable those filters. A seed makes
/// sampling repeatable. Stop tokens end a sequence once <see cref="MinNewTokens"/> have been produced.
/// </summary>
public sealed record SamplingParams
{
    public float Temperature { get; init; }
    public int TopK { get; init; }
    public float TopP { get; init; } = 1.0f;
    public ulong? Seed { get; init; }
    public int MaxNewTokens { get; init; } = 16;
    public int MinNewTokens { get; init; }

    /// <summary>Most alternatives <see cref="TopLogprobs"/> may ask for (OpenAI's chat limit).</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>
    /// How many of the most likely tokens to report with each chosen one (0: none, and no cost). Log-probabilities
    /// are those of the model's own distribution, before temperature, top-k, top-p or stop suppression.
    /// </summary>
    public int TopLogprobs { get; init; }

    /// <summary>Token ids that end a sequence (the model's EOS unless overridden).</summary>
    public IReadOnlyList<int>? StopTokenIds { get; init; }

    public static SamplingParams Greedy(int maxNewTokens) => new() { MaxNewTokens = maxNewTokens };

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

        if (TopK < 0)
        {
            throw new DistInferException($"top_k must be >= 0 (got {TopK})");
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
