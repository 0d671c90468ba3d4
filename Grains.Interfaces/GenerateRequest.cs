using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>A batch of prompts (token ids) for one model, with sampling settings.</summary>
[GenerateSerializer]
public sealed record GenerateRequest
{
    [Id(0)] public required string Model { get; init; }
    [Id(1)] public List<int[]> Prompts { get; init; } = [];
    [Id(2)] public int MaxNewTokens { get; init; } = 16;
    [Id(3)] public int MinNewTokens { get; init; }
    [Id(4)] public float Temperature { get; init; }
    [Id(5)] public int TopK { get; init; }
    [Id(6)] public float TopP { get; init; } = 1.0f;
    [Id(7)] public long? Seed { get; init; }

    /// <summary>Alternatives per token reported in <see cref="GenerationChunk.TopTokenIds"/> (0 to 20; 0: none, no cost).</summary>
    [Id(8)] public int TopLogprobs { get; init; }

    /// <summary>vLLM's min_p: tokens below MinP times the most likely one's probability are dropped (0: off).</summary>
    [Id(9)] public float MinP { get; init; }

    /// <summary>transformers' repetition_penalty over prompt and generated tokens (1: off).</summary>
    [Id(10)] public float RepetitionPenalty { get; init; } = 1.0f;

    /// <summary>
    /// Tokens an earlier run of this generation already produced (the prompt ends with them): a client resuming on
    /// another gateway after its own died. Seeded sampling skips their random draws, so it goes on as that run would.
    /// </summary>
    [Id(11)] public int ResumedTokens { get; init; }
}
