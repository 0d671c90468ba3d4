using System.Text;
using System.Text.Json;
using DistInfer.Silo.Http.ChatTemplates;
using DistInfer.Silo.Http.Contracts;

namespace DistInfer.Silo.Http;

/// <summary>
/// Turns chat messages into prompt tokens. A model whose chat template (chat_template.jinja, else
/// tokenizer_config.json's chat_template) is within the supported Jinja subset (<see cref="ChatTemplate"/>) uses it,
/// with add_generation_prompt true, and the rendered text is encoded with special tokens recognised, as transformers
/// does. A model whose template files cannot be read refuses chat (400). Otherwise the default role-tagged template: "&lt;|role|&gt;\n" + content + "\n" per message, then "&lt;|assistant|&gt;\n"; there message content is
/// encoded with special tokens treated as plain text, so a user cannot inject, say, an end-of-text token.
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

        var parsed = new List<(string Role, string Content)>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw ApiException.BadRequest($"messages[{i}] is null", $"messages[{i}]");
            var role = message.Role;
            if (role is null || !Roles.Contains(role))
            {
                throw ApiException.BadRequest($"messages[{i}].role must be one of system, developer, user, assistant, tool (got '{role}')", $"messages[{i}].role");
            }

            parsed.Add((role, Content(message, role, i)));
        }

        if (model.Tokenizing.ChatTemplateProblem is { } problem)
        {
            // Not the caller's doing, but no retry helps either; vLLM answers a template it cannot use with a 400 too.
            throw ApiException.BadRequest(
                $"model '{model.Name}' cannot serve chat completions: {problem}; fix the model's files and deploy it again (/v1/completions works)",
                Field, "chat_template_unusable");
        }

        var result = FromModelTemplate(parsed, model) ?? Default(parsed, model);
        RequestValidation.CheckTokenIds(model, result, Field);
        return result;
    }

    private static int[]? FromModelTemplate(List<(string Role, string Content)> messages, ResolvedModel model)
    {
        var served = model.Tokenizing;
        if (served.ChatTemplate is not { } source || ChatTemplate.TryGet(source) is not { } template)
        {
            return null;
        }

        var tokenizer = served.Tokenizer;
        var bos = served.Config.BosTokenId is { } b ? tokenizer.IdToToken(b) ?? "" : "";
        var eos = served.Config.EosTokenIds.Count > 0 ? tokenizer.IdToToken(served.Config.EosTokenIds[0]) ?? "" : "";
        try
        {
            return tokenizer.Encode(template.Render(messages, bos, eos));
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private static int[] Default(List<(string Role, string Content)> messages, ResolvedModel model)
    {
        var tokenizer = model.Tokenizing.Tokenizer;
        var ids = new List<int>();
        foreach (var (role, content) in messages)
        {
            ids.AddRange(tokenizer.Encode($"<|{role}|>\n"));
            ids.AddRange(tokenizer.Encode(content, recognizeSpecialTokens: false));
            ids.AddRange(tokenizer.Encode("\n"));
        }

        ids.AddRange(tokenizer.Encode("<|assistant|>\n"));
        return [.. ids];
    }

    private static string Content(ChatMessageIn message, string role, int index)
    {
        var content = message.Content;
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return RequestText.Of(content, $"messages[{index}].content");
            // OpenAI allows no content on an assistant message that called tools (earlier turns a client sends back);
            // DistInfer runs no tools, and the turn counts as empty text.
            case JsonValueKind.Null or JsonValueKind.Undefined when role == "assistant" && CalledTools(message):
                return "";
            case JsonValueKind.Null or JsonValueKind.Undefined:
                throw ApiException.BadRequest(
                    $"messages[{index}].content is missing or null; {(role == "assistant" ? "an" : "a")} {role} message needs content (a string or a list of text parts)"
                    + (role == "assistant" ? ", unless it has tool_calls" : ""),
                    $"messages[{index}].content");
            case JsonValueKind.Array:
                var text = new StringBuilder();
                var parts = 0;
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object
                        || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || RequestText.Of(type, $"messages[{index}].content") != "text"
                        || !part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                    {
                        throw ApiException.BadRequest($"messages[{index}].content: only text parts ({{\"type\":\"text\",\"text\":...}}) are supported", $"messages[{index}].content");
                    }

                    // Parts are joined by a newline, as vLLM joins them.
                    if (parts++ > 0)
                    {
                        text.Append('\n');
                    }

                    text.Append(RequestText.Of(t, $"messages[{index}].content"));
                }

                return text.ToString();
            default:
                throw ApiException.BadRequest($"messages[{index}].content must be a string or a list of text parts", $"messages[{index}].content");
        }
    }

    private static bool CalledTools(ChatMessageIn message) =>
        (message.ToolCalls.ValueKind == JsonValueKind.Array && message.ToolCalls.GetArrayLength() > 0)
        || message.FunctionCall.ValueKind == JsonValueKind.Object;
}
