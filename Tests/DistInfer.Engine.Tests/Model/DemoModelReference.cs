using System.Text.Json;

namespace DistInfer.Engine.Tests.Model;

/// <summary>models/demo-moe/reference_generation.json: prompts with transformers' greedy continuations.</summary>
internal sealed record DemoModelReference(string Name, string Text, int[] PromptIds, int[] GreedyIds, string GreedyText)
{
    public static IReadOnlyList<DemoModelReference> Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.DemoModel, "reference_generation.json")));
        var list = new List<DemoModelReference>();
        foreach (var p in doc.RootElement.GetProperty("prompts").EnumerateObject())
        {
            list.Add(new DemoModelReference(
                p.Name,
                p.Value.GetProperty("text").GetString()!,
                p.Value.GetProperty("prompt_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                p.Value.GetProperty("greedy_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                p.Value.GetProperty("greedy_text").GetString()!));
        }

        return list;
    }
}
