using System.Text.Json;

namespace DistInfer.Silo.Serving;

/// <summary>Reads chat_template from a model's tokenizer_config.json, when it has one.</summary>
public static class ChatTemplateReader
{
    public static string? TryRead(string modelDir)
    {
        var path = Path.Combine(modelDir, "tokenizer_config.json");
        if (!File.Exists(path))
        {
            return null;
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.TryGetProperty("chat_template", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
    }
}
