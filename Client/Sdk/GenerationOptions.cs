namespace DistInfer.Client;

/// <summary>Sampling settings for <see cref="DistInferClient.GenerateAsync(string, string, GenerationOptions?, CancellationToken)"/>.</summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 16;
    public int MinNewTokens { get; init; }

    /// <summary>0 is greedy.</summary>
    public float Temperature { get; init; }

    public int TopK { get; init; }
    public float TopP { get; init; } = 1.0f;
    public long? Seed { get; init; }

    /// <summary>Tokens below MinP times the most likely one's probability are dropped (0: off), as vLLM's min_p.</summary>
    public float MinP { get; init; }

    /// <summary>Penalty on tokens already in the prompt or output (1: off), as transformers' repetition_penalty.</summary>
    public float RepetitionPenalty { get; init; } = 1.0f;
}
