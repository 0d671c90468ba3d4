using System.Text.Json.Nodes;

namespace DistInfer.Engine.Tests.Config;

/// <summary>Fixture config.json files as editable JSON, so each test changes only the field it is about.</summary>
internal static class ConfigFixtures
{
    public static JsonObject Load(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixture(name), "config.json")))!.AsObject();

    /// <summary>The fixture's config with <paramref name="edit"/> applied, as JSON text.</summary>
    public static string Edited(string name, Action<JsonObject> edit)
    {
        var json = Load(name);
        edit(json);
        return json.ToJsonString();
    }

    /// <summary>
    /// The fixture's config with a JSON merge patch applied (objects merge, null removes a field), as JSON text; plain
    /// text keeps each theory case visible to the test runner.
    /// </summary>
    public static string Patched(string name, string mergePatch) => Edited(name, json => Merge(json, JsonNode.Parse(mergePatch)!.AsObject()));

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject inner && target[key] is JsonObject existing)
            {
                Merge(existing, inner);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
