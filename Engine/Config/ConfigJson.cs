using System.Text.Json;

namespace DistInfer.Engine.Config;

/// <summary>Typed, null-tolerant access to config.json fields with errors that name the field and file.</summary>
internal readonly struct ConfigJson(JsonElement element, string source)
{
    public string Source => source;

    public ConfigException Error(string field, string problem) => new($"{source}: {field} {problem}");

    public string? String(string name) =>
        Get(name) is { ValueKind: JsonValueKind.String } e ? e.GetString() : Get(name) is null ? null : throw Error(name, "must be a string");

    public int? Int(string name)
    {
        if (Get(name) is not { } e)
        {
            return null;
        }

        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v))
        {
            return v;
        }

        throw Error(name, $"must be an integer (got {e.GetRawText()})");
    }

    public int RequiredInt(string name) => Int(name) is { } v && v > 0 ? v : throw Error(name, "is missing or not a positive integer");

    public double? Double(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
        { } e => throw Error(name, $"must be a number (got {e.GetRawText()})"),
    };

    public bool? Bool(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { } e => throw Error(name, $"must be true or false (got {e.GetRawText()})"),
    };

    public ConfigJson? Object(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } e => new ConfigJson(e, $"{source}: {name}"),
        { } e => throw Error(name, $"must be an object (got {e.GetRawText()})"),
    };

    public IReadOnlyList<int> IntOrIntList(string name)
    {
        switch (Get(name))
        {
            case null:
                return [];
            case { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out var v):
                return [v];
            case { ValueKind: JsonValueKind.Array } e:
                var list = new List<int>();
                foreach (var item in e.EnumerateArray())
                {
                    list.Add(item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var x) ? x : throw Error(name, "must hold integers"));
                }

                return list;
            case { } e:
                throw Error(name, $"must be an integer or a list of integers (got {e.GetRawText()})");
        }
    }

    /// <summary>The field, or null when absent or JSON null.</summary>
    private JsonElement? Get(string name) =>
        element.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? e : null;
}
