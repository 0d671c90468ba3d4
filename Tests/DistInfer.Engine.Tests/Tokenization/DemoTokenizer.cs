using System.Text.Json.Nodes;
using DistInfer.Engine.Tokenization;

namespace DistInfer.Engine.Tests.Tokenization;

/// <summary>The demo model's tokenizer, loaded once for all tests, and its reference data.</summary>
internal static class DemoTokenizer
{
    private static readonly Lazy<BpeTokenizer> Shared = new(() => BpeTokenizer.FromDirectory(RepoPaths.DemoModel));

    public static BpeTokenizer Instance => Shared.Value;

    public static string TokenizerJsonPath => Path.Combine(RepoPaths.DemoModel, "tokenizer.json");

    public static JsonNode LoadJson(string fileName) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.DemoModel, fileName)))!;

    public static int[] Ids(JsonNode node) => [.. node.AsArray().Select(n => n!.GetValue<int>())];
}
