using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Tests.Model;

/// <summary>
/// A decode step works in pooled buffers: what it still allocates is the MoE routing of each layer (a few small
/// arrays), not activations, expert blocks or logits.
/// </summary>
public sealed class DecodeAllocationTests
{
    /// <summary>Per step and MoE layer: the routing's arrays for a handful of tokens.</summary>
    private const long BytesPerMoeLayer = 1024;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Forward_DecodeStepIntoBuffer_AllocatesOnlyRouting(int batch)
    {
        // One thread: the products run on this thread, whose allocations are the ones counted.
        var model = TransformerModel.Load(RepoPaths.DemoModel, new ManagedGemm(1));
        var caches = Enumerable.Range(0, batch).Select(_ => model.CreateCache(64)).ToArray();
        var layout = new BatchLayout(caches, Enumerable.Repeat(1, batch).ToArray());
        var tokens = Enumerable.Range(5, batch).ToArray();
        var logits = new float[batch * model.Config.VocabSize];
        for (var i = 0; i < 4; i++)
        {
            model.Forward(layout, tokens, allPositions: false, logits.AsSpan());
        }

        const int Steps = 8;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Steps; i++)
        {
            model.Forward(layout, tokens, allPositions: false, logits.AsSpan());
        }

        var perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / Steps;
        var moeLayers = Enumerable.Range(0, model.Config.NumLayers).Count(l => model.Config.MoeLayers[l]);
        Assert.True(perStep <= BytesPerMoeLayer * moeLayers, $"a decode step of {batch} rows allocated {perStep} bytes ({moeLayers} MoE layers)");
    }
}
