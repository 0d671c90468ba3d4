using System.Text.Json;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Bench.Gpu;

/// <summary>
/// models/demo-moe on the CPU engine, no GPU needed: greedy continuations with fp32 activations (what the GPU
/// path computes) and with bf16 activation rounding (the engine's default for bf16 checkpoints), each against
/// reference_generation.json, with the ids, so the GPU's ids (DemoChecks) can be set beside them.
/// </summary>
public static class DemoPrecisionChecks
{
    public static void Run(string dir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "reference_generation.json")));
        var prompts = new List<int[]>();
        var expected = new List<int[]>();
        foreach (var p in doc.RootElement.GetProperty("prompts").EnumerateObject())
        {
            var prompt = p.Value.GetProperty("prompt_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray();
            prompts.Add(prompt);
            expected.Add(p.Value.GetProperty("greedy_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray()[prompt.Length..]);
        }

        foreach (var precision in new[] { ActivationPrecision.Float32, ActivationPrecision.BFloat16 })
        {
            var model = TransformerModel.Load(dir, Gemm.Default, precision: precision);
            var counts = new List<string>();
            for (int i = 0; i < prompts.Count; i++)
            {
                int n = expected[i].Length;
                var ids = new Generator(model).Generate([prompts[i]], new SamplingParams { MaxNewTokens = n, MinNewTokens = n })[0].GeneratedIds;
                int m = 0;
                while (m < n && ids[m] == expected[i][m])
                {
                    m++;
                }

                counts.Add($"{m}/{n}");
                Console.WriteLine($"INFO demo-moe CPU {precision} ids {i}: {string.Join(",", ids)}");
            }

            Console.WriteLine($"INFO demo-moe CPU {precision} activations greedy: leading new tokens equal to transformers per prompt: {string.Join(", ", counts)}");
        }
    }
}
