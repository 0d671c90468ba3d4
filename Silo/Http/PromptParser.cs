using System.Text.Json;

namespace DistInfer.Silo.Http;

/// <summary>
/// A completions prompt in any of OpenAI's forms: a string, a list of strings, a list of token ids, or a list of
/// token id lists. Each becomes one choice. Special tokens written in prompt text are recognised (the raw API).
/// </summary>
internal static class PromptParser
{
    private const string Field = "prompt";

    public static List<int[]> Parse(JsonElement prompt, ResolvedModel model)
    {
        var tokenizer = model.Tokenizing.Tokenizer;
        var prompts = new List<int[]>();
        switch (prompt.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                throw ApiException.BadRequest("missing required field 'prompt'", Field);
            case JsonValueKind.String:
                prompts.Add(tokenizer.Encode(RequestText.Of(prompt, Field)));
                break;
            case JsonValueKind.Array when prompt.GetArrayLength() == 0:
                throw ApiException.BadRequest("prompt is an empty list", Field);
            case JsonValueKind.Array:
                var first = prompt[0].ValueKind;
                if (first == JsonValueKind.Number)
                {
                    prompts.Add(Ids(prompt));
                    break;
                }

                foreach (var item in prompt.EnumerateArray())
                {
                    prompts.Add(item.ValueKind switch
                    {
                        JsonValueKind.String when first == JsonValueKind.String => tokenizer.Encode(RequestText.Of(item, $"{Field}[{prompts.Count}]")),
                        JsonValueKind.Array when first == JsonValueKind.Array => Ids(item),
                        _ => throw Malformed(),
                    });
                }

                break;
            default:
                throw Malformed();
        }

        foreach (var ids in prompts)
        {
            RequestValidation.CheckTokenIds(model, ids, Field);
        }

        return prompts;
    }

    private static int[] Ids(JsonElement array)
    {
        var ids = new int[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out ids[i++]))
            {
                throw Malformed();
            }
        }

        return ids;
    }

    private static ApiException Malformed() =>
        ApiException.BadRequest("prompt must be a string, a list of strings, a list of token ids or a list of token id lists", Field);
}
