using System.Text.Json;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Cuda;

namespace DistInfer.Bench.Gpu;

/// <summary>
/// models/demo-moe greedy continuations against reference_generation.json (transformers, bf16 on a GPU): the
/// number of leading new tokens that match, per prompt, with bf16 and fp32 weights. Reported only: matching the
/// reference needs transformers' bf16 activation rounding, which the CPU engine emulates and the GPU path does not yet.
/// </summary>
public static class DemoChecks
{
    public static bool Run(CudaDevice device, string dir)
    {
        if (!Directory.Exists(dir))
        {
            Console.WriteLine($"INFO demo model not found at {dir}");
            return true;
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "reference_generation.json")));
        var prompts = new List<int[]>();
        var expected = new List<int[]>();
        foreach (var p in doc.RootElement.GetProperty("prompts").EnumerateObject())
        {
            var prompt = p.Value.GetProperty("prompt_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray();
            var greedy = p.Value.GetProperty("greedy_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray();
            prompts.Add(prompt);
            expected.Add(greedy[prompt.Length..]);
        }

        int newTokens = expected.Max(e => e.Length);
        var spec = CudaModelSpec.FromModelConfig(ModelConfigReader.Load(dir));
        foreach (bool bf16 in new[] { true, false })
        {
            using var source = Checkpoint.Open(dir);
            using var gpu = CudaTransformer.Load(device, spec, source, new CudaTransformerOptions
            {
                Bf16 = bf16, MaxTokens = prompts.Sum(p => p.Length), MaxBatch = prompts.Count,
                MaxSeqLen = prompts.Max(p => p.Length) + newTokens + 1, MaxLogitRows = prompts.Count,
            });
            var generated = gpu.GenerateGreedy(prompts, newTokens);
            var counts = new List<string>();
            for (int i = 0; i < prompts.Count; i++)
            {
                int n = 0;
                while (n < expected[i].Length && generated[i][n] == expected[i][n])
                {
                    n++;
                }

                counts.Add($"{n}/{expected[i].Length}");
            }

            Console.WriteLine($"INFO demo-moe {(bf16 ? "bf16" : "fp32")} greedy: leading new tokens equal to transformers per prompt: {string.Join(", ", counts)}");
            for (int i = 0; i < prompts.Count; i++)
            {
                Console.WriteLine($"INFO demo-moe {(bf16 ? "bf16" : "fp32")} ids {i}: {string.Join(",", generated[i])}");
            }
        }

        return true;
    }
}
