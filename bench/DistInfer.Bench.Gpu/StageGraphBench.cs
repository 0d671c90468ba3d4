using System.Diagnostics;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Cuda;
using DistInfer.Engine.Model;

namespace DistInfer.Bench.Gpu;

/// <summary>
/// A/B of <see cref="CudaStage.Layers"/> with and without CUDA graphs: one stage holding the whole model, experts in
/// their own device buffers (as expert grains hold them), greedy decode of B sequences, one token each per step
/// (Begin, Embed, Layers, Head with its logits read back, as a stage grain's step). Both modes decode from the same
/// prefill; the ids must be equal; per-step time is the median of the timed steps.
/// </summary>
public static class StageGraphBench
{
    private const int Prompt = 16;
    private const int Warmup = 4;

    public static bool Run(CudaDevice device, string dir, int[] batches, int steps)
    {
        string name = Path.GetFileName(dir.TrimEnd('/'));
        var config = ModelConfigReader.Load(dir);
        using var source = Checkpoint.Open(dir);
        using var experts = CudaRoutedExperts.Load(device, config, source);
        int maxBatch = batches.Max();
        var part = new ModelPart(0, config.NumLayers, true, true, static (_, _) => false);
        using var stage = CudaStage.Load(device, config, source, part, new CudaStageOptions
        {
            MaxTokens = maxBatch * Prompt, MaxSequences = maxBatch, MaxSeqLen = Prompt + Warmup + steps + 2,
        });
        bool ok = true;
        foreach (int b in batches)
        {
            var off = Decode(stage, config, b, steps, experts.GateUp, experts.Down, graphs: false, out var idsOff);
            var on = Decode(stage, config, b, steps, experts.GateUp, experts.Down, graphs: true, out var idsOn);
            bool same = idsOff.SequenceEqual(idsOn);
            ok &= same;
            Console.WriteLine($"{(same ? "PASS" : "FAIL")} stage graphs {name} batch {b}: {steps} decode steps, ids {(same ? "equal" : "DIFFERENT")}; " +
                $"median step {off:F3} ms per-layer launches, {on:F3} ms CUDA graph ({off / on:F2}x), {b * 1000 / on:F0} tokens/s with graphs; {stage.GraphCount} graphs held");
        }

        return ok;
    }

    /// <summary>Prefills B prompts, then greedy-decodes; returns the median timed step in ms and every generated id.</summary>
    private static double Decode(CudaStage stage, ModelConfig config, int b, int steps, nint[]?[] gateUp, nint[]?[] down, bool graphs, out int[] generated)
    {
        int vocab = config.VocabSize, layers = config.NumLayers;
        var slots = new int[b];
        for (int i = 0; i < b; i++)
        {
            slots[i] = stage.AcquireSlot();
        }

        try
        {
            // Prefill (per-layer launches either way: its routed rows exceed the skinny kernels').
            var ids = new int[b * Prompt];
            var rowSlots = new int[b * Prompt];
            var rowPos = new int[b * Prompt];
            var last = new int[b];
            for (int s = 0; s < b; s++)
            {
                for (int i = 0; i < Prompt; i++)
                {
                    ids[s * Prompt + i] = (s * 977 + i * 131 + 17) % vocab;
                    rowSlots[s * Prompt + i] = slots[s];
                    rowPos[s * Prompt + i] = i;
                }

                last[s] = s * Prompt + Prompt - 1;
            }

            var logits = new float[b * vocab];
            stage.UseCudaGraphs = graphs;
            stage.Begin(rowSlots, rowPos);
            stage.Embed(ids);
            stage.Layers(0, layers, gateUp, down);
            stage.Head(last, logits);

            var next = new int[b];
            var positions = new int[b];
            var rows = Enumerable.Range(0, b).ToArray();
            var times = new List<double>();
            var all = new List<int>();
            for (int t = 0; t < Warmup + steps; t++)
            {
                for (int s = 0; s < b; s++)
                {
                    next[s] = Argmax(logits.AsSpan(s * vocab, vocab));
                    positions[s] = Prompt + t;
                }

                all.AddRange(next);
                long start = Stopwatch.GetTimestamp();
                stage.Begin(slots, positions);
                stage.Embed(next);
                stage.Layers(0, layers, gateUp, down);
                stage.Head(rows, logits);
                if (t >= Warmup)
                {
                    times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }

            generated = [.. all];
            times.Sort();
            return times[times.Count / 2];
        }
        finally
        {
            foreach (var s in slots)
            {
                stage.ReleaseSlot(s);
            }
        }
    }

    private static int Argmax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int v = 1; v < row.Length; v++)
        {
            if (row[v] > row[best])
            {
                best = v;
            }
        }

        return best;
    }
}
