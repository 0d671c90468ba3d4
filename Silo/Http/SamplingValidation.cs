using DistInfer.Engine.Generation;
using DistInfer.Silo.Http.Contracts;

namespace DistInfer.Silo.Http;

/// <summary>The sampling parameters of a request, OpenAI's and vLLM's extra ones; each bad value is a 400 naming its field.</summary>
internal static class SamplingValidation
{
    /// <param name="maxTokensRequested">Whether the caller sent <paramref name="maxTokensField"/> (else it is a default).</param>
    public static SamplingParams Read(ISamplingRequest request, int maxTokens, string maxTokensField, bool maxTokensRequested)
    {
        // OpenAI's defaults: temperature 1, top_p 1.
        var temperature = request.Temperature ?? 1f;
        if (!(temperature >= 0 && temperature <= 2))
        {
            throw ApiException.BadRequest($"temperature must be between 0 and 2 (got {temperature})", "temperature");
        }

        var topP = request.TopP ?? 1f;
        if (!(topP > 0 && topP <= 1))
        {
            throw ApiException.BadRequest($"top_p must be in (0, 1] (got {topP})", "top_p");
        }

        // vLLM's: top_k -1 (or 0) keeps every token, min_p 0 too, repetition_penalty 1 changes nothing.
        var topK = request.TopK ?? 0;
        if (topK < -1)
        {
            throw ApiException.BadRequest($"top_k must be -1 or 0 (no limit) or a positive number of tokens (got {topK})", "top_k");
        }

        var minP = request.MinP ?? 0f;
        if (!(minP >= 0 && minP <= 1))
        {
            throw ApiException.BadRequest($"min_p must be between 0 and 1 (got {minP})", "min_p");
        }

        var penalty = request.RepetitionPenalty ?? 1f;
        if (!(penalty > 0) || float.IsInfinity(penalty))
        {
            throw ApiException.BadRequest($"repetition_penalty must be greater than 0 (got {penalty}); 1 leaves the logits as they are", "repetition_penalty");
        }

        var minTokens = request.MinTokens ?? 0;
        if (minTokens < 0)
        {
            throw ApiException.BadRequest($"min_tokens must be at least 0 (got {minTokens})", "min_tokens");
        }

        if (minTokens > maxTokens)
        {
            throw ApiException.BadRequest(
                maxTokensRequested
                    ? $"min_tokens must be at most {maxTokensField} ({maxTokens}); got {minTokens}"
                    : $"min_tokens must be at most the {maxTokens} tokens {maxTokensField} defaults to; got {minTokens}",
                "min_tokens");
        }

        return new SamplingParams
        {
            Temperature = temperature,
            TopP = topP,
            TopK = Math.Max(topK, 0),
            MinP = minP,
            RepetitionPenalty = penalty,
            Seed = request.Seed is { } s ? unchecked((ulong)s) : null,
            MaxNewTokens = maxTokens,
            MinNewTokens = minTokens,

            // ignore_eos: no token ends the sequence (the batcher's default is the model's EOS ids), only max_tokens
            // or a stop string does.
            StopTokenIds = request.IgnoreEos == true ? [] : null,
            AdditionalStopTokenIds = StopTokenIds(request.StopTokenIds),
        };
    }

    private static int[]? StopTokenIds(System.Text.Json.JsonElement ids)
    {
        if (ids.ValueKind is System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.Null)
        {
            return null;
        }

        if (ids.ValueKind != System.Text.Json.JsonValueKind.Array)
        {
            throw ApiException.BadRequest("stop_token_ids must be a list of token ids", "stop_token_ids");
        }

        var result = new int[ids.GetArrayLength()];
        var i = 0;
        foreach (var id in ids.EnumerateArray())
        {
            if (id.ValueKind != System.Text.Json.JsonValueKind.Number || !id.TryGetInt32(out var value) || value < 0)
            {
                throw ApiException.BadRequest($"stop_token_ids[{i}] must be a token id, a whole number >= 0 (got {id.GetRawText()})", "stop_token_ids");
            }

            result[i++] = value;
        }

        return result;
    }
}
