using System.Text;
using System.Text.Json;
using DistInfer.Silo.Http.Contracts;

namespace DistInfer.Silo.Http;

/// <summary>
/// Turns chat messages into prompt tokens with the default role-tagged template:
/// "&lt;|role|&gt;\n" + content + "\n" per message, then "&lt;|assistant|&gt;\n" for the answer. Models' own Jinja chat
/// templates are not interpreted (yet). Message content is encoded with special tokens treated as plain text, so
/// a user cannot inject, say, an end-of-text token; the tags are encoded with them recognised.
/// </summary>
internal static class ChatPromptBuilder
{
    private const string Field = "messages";
    private static readonly HashSet<string> Roles = new(StringComparer.Ordinal) { "system", "developer", "user", "assistant", "tool" };

    public static int[] Build(IList<ChatMessageIn?>? messages, ResolvedModel model)
    {
        if (messages is null || messages.Count == 0)
        {
            throw ApiException.BadRequest("missing required field 'messages' (a non-empty list)", Field);
        }

        var tokenizer = model.Tokenizing.Tokenizer;
        var ids = new List<int>();
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw ApiException.BadRequest($"messages[{i}] is null", $"messages[{i}]");
            var role = message.Role;
            if (role is null || !Roles.Contains(role))
            {
                throw ApiException.BadRequest($"messages[{i}].role must be one of system, developer, user, assistant, tool (got '{role}')", $"messages[{i}].role");
            }

            ids.AddRange(tokenizer.Encode($"<|{role}|>\n"));
            ids.AddRange(tokenizer.Encode(Content(message.Content, i), recognizeSpecialTokens: false));
            ids.AddRange(tokenizer.Encode("\n"));
        }

        ids.AddRange(tokenizer.Encode("<|assistant|>\n"));
        var result = ids.ToArray();
        RequestValidation.CheckTokenIds(model, result, Field);
        return result;
    }

    private static string Content(JsonElement content, int index)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return "";
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object
                        || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "text"
                        || !part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                    {
                        throw ApiException.BadRequest($"messages[{index}].content: only text parts ({{\"type\":\"text\",\"text\":...}}) are supported", $"messages[{index}].content");
                    }

                    text.Append(t.GetString());
                }

                return text.ToString();
            default:
                throw ApiException.BadRequest($"messages[{index}].content must be a string or a list of text parts", $"messages[{index}].content");
        }
    }
}
