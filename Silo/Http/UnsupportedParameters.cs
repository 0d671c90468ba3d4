using System.Text.Json;
using DistInfer.Silo.Http.Contracts;

namespace DistInfer.Silo.Http;

/// <summary>
/// OpenAI parameters DistInfer does not implement. Their neutral values, which SDKs send by default
/// (presence_penalty 0, logit_bias {} or null, tools []), pass; any other value is a 400 naming the field, since
/// ignoring it would answer something other than what was asked for.
/// </summary>
internal static class UnsupportedParameters
{
    private const int MaxShownChars = 60;

    public static void Check(CompletionRequest request, int n)
    {
        if (request.Echo == true)
        {
            throw Unsupported("echo", "true", "false");
        }

        if (!string.IsNullOrEmpty(request.Suffix))
        {
            throw Unsupported("suffix", $"{request.Suffix.Length} characters", "an empty string or null");
        }

        // best_of = n returns every candidate, which is what n alone does.
        if (request.BestOf is { } bestOf && bestOf != 1 && bestOf != n)
        {
            throw Unsupported("best_of", $"{bestOf}", $"1 or the value of n ({n})");
        }

        Penalty(request.PresencePenalty, "presence_penalty");
        Penalty(request.FrequencyPenalty, "frequency_penalty");
        LogitBias(request.LogitBias);
        VllmExtras(request);
    }

    public static void Check(ChatCompletionRequest request)
    {
        VllmExtras(request);
        Penalty(request.PresencePenalty, "presence_penalty");
        Penalty(request.FrequencyPenalty, "frequency_penalty");
        LogitBias(request.LogitBias);
        ResponseFormat(request.ResponseFormat);
        EmptyList(request.Tools, "tools");
        EmptyList(request.Functions, "functions");
        NoCall(request.ToolChoice, "tool_choice");
        NoCall(request.FunctionCall, "function_call");
    }

    /// <summary>vLLM's extras that change what comes back; accepted with vLLM's defaults only.</summary>
    private static void VllmExtras(VllmRequestExtras request)
    {
        if (request.IncludeStopStrInOutput == true)
        {
            throw Unsupported("include_stop_str_in_output", "true", "false");
        }

        if (request.SkipSpecialTokens == false)
        {
            throw Unsupported("skip_special_tokens", "false", "true");
        }

        Absent(request.PromptLogprobs, "prompt_logprobs");
        Absent(request.GuidedJson, "guided_json");
        Absent(request.GuidedRegex, "guided_regex");
        Absent(request.GuidedChoice, "guided_choice");
        Absent(request.GuidedGrammar, "guided_grammar");
    }

    private static void Absent(JsonElement value, string field)
    {
        if (value.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            throw Unsupported(field, Shown(value), "null");
        }
    }

    private static void Penalty(float? value, string field)
    {
        if (value is { } v && v != 0)
        {
            throw Unsupported(field, $"{v}", "0");
        }
    }

    private static void LogitBias(JsonElement bias)
    {
        switch (bias.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return;
            case JsonValueKind.Object:
                var entries = bias.EnumerateObject().Count();
                if (entries > 0)
                {
                    throw Unsupported("logit_bias", $"{entries} {(entries == 1 ? "entry" : "entries")}", "an empty object or null");
                }

                return;
            default:
                throw ApiException.BadRequest($"logit_bias must be an object mapping token ids to biases (got {Shown(bias)})", "logit_bias");
        }
    }

    private static void ResponseFormat(JsonElement format)
    {
        if (format.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return;
        }

        if (format.ValueKind != JsonValueKind.Object || !format.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw ApiException.BadRequest($"response_format must be an object with a string type (got {Shown(format)})", "response_format");
        }

        var text = RequestText.Of(type, "response_format");
        if (text != "text")
        {
            throw Unsupported("response_format", $"type '{text}'", """{"type":"text"}""");
        }
    }

    private static void EmptyList(JsonElement list, string field)
    {
        switch (list.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return;
            case JsonValueKind.Array:
                var count = list.GetArrayLength();
                if (count > 0)
                {
                    throw Unsupported(field, $"a list of {count}", "an empty list or null");
                }

                return;
            default:
                throw ApiException.BadRequest($"{field} must be a list (got {Shown(list)})", field);
        }
    }

    // With no tools or functions, "none" and "auto" both mean a plain text answer, which is what DistInfer gives.
    private static void NoCall(JsonElement choice, string field)
    {
        if (choice.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
            || (choice.ValueKind == JsonValueKind.String && RequestText.Of(choice, field) is "none" or "auto"))
        {
            return;
        }

        throw Unsupported(field, Shown(choice), "\"none\", \"auto\" or null");
    }

    private static ApiException Unsupported(string field, string got, string accepted) =>
        ApiException.BadRequest($"{field} is not supported by DistInfer (got {got}); only {accepted} is accepted", field);

    private static string Shown(JsonElement value)
    {
        var text = RequestText.Raw(value);
        return text.Length <= MaxShownChars ? text : string.Concat(text.AsSpan(0, MaxShownChars), "…");
    }
}
