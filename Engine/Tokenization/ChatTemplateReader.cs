using System.Text.Json;

namespace DistInfer.Engine.Tokenization;

/// <summary>
/// Finds a model's chat template as transformers does: chat_template.jinja beside tokenizer_config.json takes
/// precedence over tokenizer_config.json's "chat_template", which is a string or a list of named templates
/// ([{"name": "default", "template": ...}, ...]) of which chat uses the one named "default".
/// </summary>
public static class ChatTemplateReader
{
    public const string ConfigFile = "tokenizer_config.json";
    public const string JinjaFile = "chat_template.jinja";

    /// <summary>
    /// The model's template, or null when it has none. Throws <see cref="TokenizerException"/> naming the file when
    /// tokenizer_config.json is not valid JSON or its chat_template is malformed, or a file cannot be read.
    /// </summary>
    public static ChatTemplateSource? Read(string modelDir)
    {
        // Read even when chat_template.jinja wins: transformers loads the config either way, and fails on a broken one.
        var fromConfig = FromConfig(modelDir);
        var jinja = Path.Combine(modelDir, JinjaFile);
        return File.Exists(jinja) ? new ChatTemplateSource(JinjaFile, ReadText(jinja, JinjaFile)) : fromConfig;
    }

    private static ChatTemplateSource? FromConfig(string modelDir)
    {
        var path = Path.Combine(modelDir, ConfigFile);
        if (!File.Exists(path))
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(ReadText(path, ConfigFile));
        }
        catch (JsonException e)
        {
            throw new TokenizerException($"{ConfigFile} is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new TokenizerException($"{ConfigFile} must hold a JSON object (it holds {Kind(root)})");
            }

            if (!root.TryGetProperty("chat_template", out var template))
            {
                return null;
            }

            return template.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => new ChatTemplateSource(ConfigFile, template.GetString()),
                JsonValueKind.Array => Named(template),
                _ => throw new TokenizerException($"{ConfigFile}: chat_template must be a string or a list of named templates (it is {Kind(template)})"),
            };
        }
    }

    private static ChatTemplateSource Named(JsonElement list)
    {
        var names = new List<string>();
        string? chosen = null;
        var index = 0;
        foreach (var entry in list.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object
                || !entry.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || !entry.TryGetProperty("template", out var template) || template.ValueKind != JsonValueKind.String)
            {
                throw new TokenizerException($"{ConfigFile}: chat_template[{index}] must be an object with a string \"name\" and a string \"template\"");
            }

            names.Add(name.GetString()!);
            if (name.ValueEquals("default"))
            {
                chosen = template.GetString();
            }

            index++;
        }

        // As transformers: without a "default" entry, a chat request must name a template, which OpenAI's API cannot.
        return chosen is not null
            ? new ChatTemplateSource(ConfigFile, chosen)
            : new ChatTemplateSource(ConfigFile, null, names.Count == 0
                ? $"{ConfigFile}'s chat_template is an empty list"
                : $"{ConfigFile}'s chat_template lists named templates ({string.Join(", ", names)}) but none named \"default\"");
    }

    private static string ReadText(string path, string file)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerException($"{file} cannot be read: {e.Message}", e);
        }
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
