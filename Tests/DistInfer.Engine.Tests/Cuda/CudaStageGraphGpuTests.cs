using System.Numerics.Tensors;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Cuda;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Tests.Cuda;

/// <summary>A GPU stage's decode steps replayed as CUDA graphs against the same steps launched layer by layer.</summary>
[Trait("Category", "Gpu")]
public sealed class CudaStageGraphGpuTests
{
    [Fact]
    public void Layers_DecodeStepsAsCudaGraphs_SameLogitsAsPerLayerLaunches()
    {
        var device = GpuDevice.Require();
        var config = ModelConfigReader.Load(RepoPaths.DemoModel);
        using var source = Checkpoint.Open(RepoPaths.DemoModel);
        using var experts = CudaRoutedExperts.Load(device, config, source);
        var part = new ModelPart(0, config.NumLayers, true, true, static (_, _) => false);
        using var stage = CudaStage.Load(device, config, source, part, new CudaStageOptions { MaxTokens = 64, MaxSequences = 2, MaxSeqLen = 64 });
        var perLayer = Decode(stage, config, experts.GateUp, experts.Down, graphs: false);
        Assert.Equal(0, stage.GraphCount);
        var graphs = Decode(stage, config, experts.GateUp, experts.Down, graphs: true);
        // Prefill (12 tokens, 24 routed rows) and decode (2 tokens) each captured once.
        Assert.Equal(2, stage.GraphCount);
        // The same kernels on the same inputs; a stale captured argument would show as a large error.
        Assert.Equal(perLayer.Count, graphs.Count);
        for (int i = 0; i < perLayer.Count; i++)
        {
            double error = Tests.Model.FixtureModels.RelativeError(graphs[i], perLayer[i]);
            Assert.True(error < 1e-5, $"step {i}: logits max rel error {error:E2} between graph and per-layer launches");
        }
    }

    /// <summary>Two sequences: a 6-token prefill each, then 5 greedy decode steps; every step's logits.</summary>
    private static List<float[]> Decode(CudaStage stage, ModelConfig config, nint[]?[] gateUp, nint[]?[] down, bool graphs)
    {
        stage.UseCudaGraphs = graphs;
        int[] slots = [stage.AcquireSlot(), stage.AcquireSlot()];
        try
        {
            int[] prompt = [5, 17, 230, 9, 41, 77, 300, 12, 8, 150, 3, 64];
            int vocab = config.VocabSize;
            var logits = new float[2 * vocab];
            stage.Begin([.. Enumerable.Repeat(slots[0], 6), .. Enumerable.Repeat(slots[1], 6)], [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
            stage.Embed(prompt);
            stage.Layers(0, config.NumLayers, gateUp, down);
            stage.Head([5, 11], logits);
            var all = new List<float[]> { (float[])logits.Clone() };
            for (int t = 0; t < 5; t++)
            {
                int[] next = [TensorPrimitives.IndexOfMax(logits.AsSpan(0, vocab)), TensorPrimitives.IndexOfMax(logits.AsSpan(vocab, vocab))];
                stage.Begin(slots, [6 + t, 6 + t]);
                stage.Embed(next);
                stage.Layers(0, config.NumLayers, gateUp, down);
                stage.Head([0, 1], logits);
                all.Add((float[])logits.Clone());
            }

            return all;
        }
        finally
        {
            stage.ReleaseSlot(slots[1]);
            stage.ReleaseSlot(slots[0]);
        }
    }
}
