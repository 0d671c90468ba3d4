using System.Text.Json;
using DistInfer.Engine.Generation;

namespace DistInfer.Silo.Http;

/// <summary>Checks of the request fields both endpoints share; each failure names its field.</summary>
internal static class RequestValidation
{
    public const int MaxStopSequences = 16;

    /// <summary>Most choices per prompt (OpenAI allows 128; each choice is a sequence in the batcher).</summary>
    public const int MaxChoices = 16;

    /// <summary>How many choices per prompt: n, 1 when absent.</summary>
    public static int N(int? n)
    {
        var value = n ?? 1;
        if (value < 1 || value > MaxChoices)
        {
            throw ApiException.BadRequest($"n must be between 1 and {MaxChoices} (got {value})", "n");
        }

        return value;
    }

    /// <summary>
    /// Whether a stream ends with a usage chunk. stream_options set without stream is a 400, as OpenAI and vLLM answer:
    /// a client asking for usage chunks of a response that has none would otherwise not learn why none came.
    /// </summary>
    public static bool IncludeUsage(bool? stream, Contracts.StreamOptions? options)
    {
        if (options?.IncludeUsage is not null && stream != true)
        {
            throw ApiException.BadRequest("stream_options is only allowed when stream is true", "stream_options");
        }

        return options?.IncludeUsage == true;
    }

    /// <summary>Most alternatives legacy completions' logprobs may ask for (OpenAI's limit).</summary>
    public const int MaxCompletionLogprobs = 5;

    /// <summary>Legacy completions' logprobs: null (none) or how many alternatives per token, 0 to 5.</summary>
    public static int? Logprobs(int? logprobs) => logprobs switch
    {
        null => null,
        var v when v is >= 0 and <= MaxCompletionLogprobs => v,
        var v => throw ApiException.BadRequest($"logprobs must be between 0 and {MaxCompletionLogprobs} (got {v})", "logprobs"),
    };

    /// <summary>Chat's logprobs and top_logprobs: null (none) or how many alternatives per token, 0 to 20.</summary>
    public static int? ChatLogprobs(bool? logprobs, int? topLogprobs)
    {
        if (topLogprobs is { } top && top is < 0 or > SamplingParams.MaxTopLogprobs)
        {
            throw ApiException.BadRequest($"top_logprobs must be between 0 and {SamplingParams.MaxTopLogprobs} (got {top})", "top_logprobs");
        }

        if (logprobs != true)
        {
            return topLogprobs is null ? null : throw ApiException.BadRequest("top_logprobs needs logprobs set to true", "top_logprobs");
        }

        return topLogprobs ?? 0;
    }

    /// <summary>
    /// The sampling of choice <paramref name="choice"/> of a prompt: with a seed, choice k uses seed + k so the choices
    /// differ yet the whole request repeats.
    /// </summary>
    public static SamplingParams ForChoice(SamplingParams sampling, int choice) =>
        choice == 0 || sampling.Seed is not { } seed ? sampling : sampling with { Seed = unchecked(seed + (ulong)choice) };

    public static int MaxTokens(int? maxTokens, string field, int defaultValue)
    {
        var value = maxTokens ?? defaultValue;
        if (value < 1)
        {
            throw ApiException.BadRequest($"{field} must be at least 1 (got {value})", field);
        }

        return value;
    }

    /// <summary>
    /// 400 context_length_exceeded (as OpenAI and vLLM answer) when prompt plus output cannot fit the model's context.
    /// <paramref name="requested"/> is whether the caller sent <paramref name="maxTokensField"/>: a default must not be
    /// reported as if the caller had asked for it.
    /// </summary>
    public static void CheckContext(ResolvedModel model, int promptTokens, int maxTokens, string maxTokensField, bool requested, string param)
    {
        var context = model.MaxContextTokens;
        if ((long)promptTokens + maxTokens <= context)
        {
            return;
        }

        var message = requested
            ? $"this model's maximum context length is {context} tokens, but {promptTokens} prompt tokens and {maxTokensField} {maxTokens} were requested"
            : promptTokens >= context
                ? $"this model's maximum context length is {context} tokens, but the prompt has {promptTokens} tokens, which leaves no room for a completion"
                : $"this model's maximum context length is {context} tokens, but the prompt has {promptTokens} tokens and {maxTokensField} defaults to {maxTokens}; send a smaller {maxTokensField} or a shorter prompt";
        throw ApiException.BadRequest(message, param, "context_length_exceeded");
    }

    public static IReadOnlyList<string> Stops(JsonElement stop)
    {
        switch (stop.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return [];
            case JsonValueKind.String:
                return [NonEmpty(RequestText.Of(stop, "stop"))];
            case JsonValueKind.Array:
                var list = new List<string>();
                foreach (var item in stop.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        throw ApiException.BadRequest("stop must be a string or a list of strings", "stop");
                    }

                    list.Add(NonEmpty(RequestText.Of(item, "stop")));
                }

                if (list.Count > MaxStopSequences)
                {
                    throw ApiException.BadRequest($"at most {MaxStopSequences} stop sequences are supported (got {list.Count})", "stop");
                }

                return list;
            default:
                throw ApiException.BadRequest("stop must be a string or a list of strings", "stop");
        }
    }

    public static void CheckTokenIds(ResolvedModel model, int[] ids, string field)
    {
        if (ids.Length == 0)
        {
            throw ApiException.BadRequest($"{field} is empty (it must produce at least one token)", field);
        }

        foreach (var id in ids)
        {
            if ((uint)id >= (uint)model.VocabSize)
            {
                throw ApiException.BadRequest($"token id {id} in {field} is outside the vocabulary [0, {model.VocabSize})", field);
            }
        }
    }

    private static string NonEmpty(string s) =>
        s.Length > 0 ? s : throw ApiException.BadRequest("stop sequences must not be empty", "stop");
}
