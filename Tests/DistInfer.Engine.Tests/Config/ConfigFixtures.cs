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
}
