using System.Numerics.Tensors;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Cuda;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Tests.Cuda;

/// <summary>
/// What failover on a GPU silo relies on: after sequences prefilled and decoded together, a re-prefill of one
/// sequence's tokens so far into a fresh cache slot gives the very logits its batched decode step gave, bit for bit
/// (demo model, bf16, batch-invariant mode). cuBLAS, the fused router, split attention and row-count
/// dependent block sizes each broke this before at near-ties of greedy decoding.
/// </summary>
[Trait("Category", "Gpu")]
[Trait("Gpu", "Invariance")]
public sealed class CudaStageBatchInvariantGpuTests
{
    private const int DecodeSteps = 8;

    // 40 + 9 + 4 prompt tokens: prefill rows above every few-token threshold (64 routed rows, 64 norm rows).
    private static readonly int[][] Prompts =
    [
        [.. Enumerable.Range(0, 40).Select(i => 32 + (i * 37 % 90))],
        [84, 104, 101, 32, 113, 117, 105, 99, 107],
        [49, 50, 51, 52],
    ];

    [Fact]
    public void Layers_RePrefillAloneAfterBatchedDecode_SameLogitsBitForBit()
    {
        var device = GpuDevice.Require();
        var config = ModelConfigReader.Load(RepoPaths.DemoModel);
        using var source = Checkpoint.Open(RepoPaths.DemoModel);
        using var experts = CudaRoutedExperts.Load(device, config, source);
        var part = new ModelPart(0, config.NumLayers, true, true, static (_, _) => false);
        using var stage = CudaStage.Load(device, config, source, part, new CudaStageOptions { MaxTokens = 128, MaxSequences = 4, MaxSeqLen = 128, BatchInvariant = true });
        Assert.True(stage.BatchInvariant);
        var (tokens, logits) = DecodeTogether(stage, config, experts.GateUp, experts.Down);

        int vocab = config.VocabSize;
        foreach (var cut in new[] { 1, 4, DecodeSteps })
        {
            for (int s = 0; s < Prompts.Length; s++)
            {
                int[] history = [.. Prompts[s], .. tokens[s].Take(cut)];
                var replayed = Prefill(stage, config, experts.GateUp, experts.Down, history);
                var decoded = logits[cut].AsSpan(s * vocab, vocab);
                int differ = 0;
                for (int v = 0; v < vocab; v++)
                {
                    differ += BitConverter.SingleToUInt32Bits(decoded[v]) == BitConverter.SingleToUInt32Bits(replayed[v]) ? 0 : 1;
                }

                Assert.True(differ == 0, $"sequence {s}: re-prefill of {history.Length} tokens differs from its decode step {cut} in {differ} of {vocab} logits");
            }
        }
    }

    /// <summary>Every prompt prefilled in one step, then batched greedy decode steps: tokens and logits of each step.</summary>
    private static (int[][] Tokens, float[][] Logits) DecodeTogether(CudaStage stage, ModelConfig config, nint[]?[] gateUp, nint[]?[] down)
    {
        int b = Prompts.Length, vocab = config.VocabSize;
        var slots = Enumerable.Range(0, b).Select(_ => stage.AcquireSlot()).ToArray();
        try
        {
            var stepSlots = new List<int>();
            var positions = new List<int>();
            var lastRows = new int[b];
            for (int s = 0; s < b; s++)
            {
                stepSlots.AddRange(Enumerable.Repeat(slots[s], Prompts[s].Length));
                positions.AddRange(Enumerable.Range(0, Prompts[s].Length));
                lastRows[s] = positions.Count - 1;
            }

            var logits = new float[DecodeSteps + 1][];
            logits[0] = new float[b * vocab];
            stage.Begin([.. stepSlots], [.. positions]);
            stage.Embed([.. Prompts.SelectMany(p => p)]);
            stage.Layers(0, config.NumLayers, gateUp, down);
            stage.Head(lastRows, logits[0]);
            var tokens = Prompts.Select(_ => new int[DecodeSteps]).ToArray();
            for (int step = 0; step < DecodeSteps; step++)
            {
                var next = new int[b];
                var at = new int[b];
                for (int s = 0; s < b; s++)
                {
                    next[s] = tokens[s][step] = TensorPrimitives.IndexOfMax(logits[step].AsSpan(s * vocab, vocab));
                    at[s] = Prompts[s].Length + step;
                }

                logits[step + 1] = new float[b * vocab];
                stage.Begin(slots, at);
                stage.Embed(next);
                stage.Layers(0, config.NumLayers, gateUp, down);
                stage.Head([.. Enumerable.Range(0, b)], logits[step + 1]);
            }

            return (tokens, logits);
        }
        finally
        {
            foreach (var slot in slots)
            {
                stage.ReleaseSlot(slot);
            }
        }
    }

    /// <summary>One sequence's tokens into a fresh slot in one step: the logits after its last token.</summary>
    private static float[] Prefill(CudaStage stage, ModelConfig config, nint[]?[] gateUp, nint[]?[] down, int[] history)
    {
        int slot = stage.AcquireSlot();
        try
        {
            var logits = new float[config.VocabSize];
            stage.Begin([.. Enumerable.Repeat(slot, history.Length)], [.. Enumerable.Range(0, history.Length)]);
            stage.Embed(history);
            stage.Layers(0, config.NumLayers, gateUp, down);
            stage.Head([history.Length - 1], logits);
            return logits;
        }
        finally
        {
            stage.ReleaseSlot(slot);
        }
    }
}
