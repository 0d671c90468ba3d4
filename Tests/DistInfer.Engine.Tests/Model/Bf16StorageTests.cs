using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Tests.Checkpoints;

namespace DistInfer.Engine.Tests.Model;

/// <summary>
/// bf16 checkpoints are held as bf16 by default: half the weight memory of the fp32-widened path and, with the
/// managed kernels (which widen exactly in the same summation order), the same bits in every logit, for prefill
/// (blocked kernel), decode (skinny kernel) and the router.
/// </summary>
public sealed class Bf16StorageTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public void Load_FixtureConvertedToBf16_SameLogitsAndRouterLogitsAsFp32Storage(string name)
    {
        var dir = ConvertToBf16(RepoPaths.Fixture(name), Path.Combine(_temp.Path, name));
        var bf16 = TransformerModel.Load(dir, Gemm.Managed, storage: WeightStorage.Checkpoint);
        var fp32 = TransformerModel.Load(dir, Gemm.Managed, storage: WeightStorage.Float32);
        Assert.All(bf16.Weights.LinearLayers(), w => Assert.Null(w.Weight));
        Assert.All(fp32.Weights.LinearLayers(), w => Assert.Null(w.Bf16Weight));
        AssertAboutHalf(bf16.Weights.Bytes, fp32.Weights.Bytes, name);

        // Seven prompt rows take the blocked kernel; the decode steps of one and of three rows the skinny one.
        int[] prompt = [3, 17, 42, 5, 63, 11, 8];
        Assert.Equal(Run(fp32, prompt), Run(bf16, prompt));
    }

    [Fact]
    public void Load_DemoModel_Bf16ByDefaultHalfTheBytesSameTokens()
    {
        var bf16 = TransformerModel.Load(RepoPaths.DemoModel, Gemm.Managed);
        var fp32 = TransformerModel.Load(RepoPaths.DemoModel, Gemm.Managed, storage: WeightStorage.Float32);
        Assert.All(bf16.Weights.LinearLayers(), w => Assert.NotNull(w.Bf16Weight));
        Assert.NotNull(bf16.Weights.Embedding!.Bf16Weight);
        AssertAboutHalf(bf16.Weights.Bytes, fp32.Weights.Bytes, "demo-moe");

        int[][] prompts = [[5, 17, 300, 42, 7, 1000], [9, 8, 7]];
        var parameters = new SamplingParams { MaxNewTokens = 12, MinNewTokens = 12 };
        var expected = new Generator(fp32).Generate(prompts, parameters).Select(r => r.GeneratedIds).ToArray();
        var actual = new Generator(bf16).Generate(prompts, parameters).Select(r => r.GeneratedIds).ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Load_Fp32Fixture_KeepsFp32()
    {
        var model = TransformerModel.Load(RepoPaths.Fixture("mixtral"), Gemm.Managed, storage: WeightStorage.Checkpoint);
        Assert.All(model.Weights.LinearLayers(), w => Assert.NotNull(w.Weight));
    }

    [Fact]
    public void Load_OtherKernelsWithoutStorage_GetFp32()
    {
        var model = TransformerModel.Load(RepoPaths.DemoModel, ReferenceGemm.Instance);
        Assert.All(model.Weights.LinearLayers(), w => Assert.NotNull(w.Weight));
    }

    [Fact]
    public void ResolveStorage_NoRequestNoVariable_Bf16OnlyForManagedKernels()
    {
        Assert.Null(Environment.GetEnvironmentVariable(WeightLoader.StorageVariable));
        Assert.Equal(WeightStorage.Checkpoint, WeightLoader.ResolveStorage(null, Gemm.Managed));
        Assert.Equal(WeightStorage.Float32, WeightLoader.ResolveStorage(null, ReferenceGemm.Instance));
        Assert.Equal(WeightStorage.Float32, WeightLoader.ResolveStorage(WeightStorage.Float32, Gemm.Managed));
        Assert.Equal(WeightStorage.Checkpoint, WeightLoader.ResolveStorage(WeightStorage.Checkpoint, ReferenceGemm.Instance));
    }

    /// <summary>Logits of the prompt (every position) then of two decode steps, and every router logit, in order.</summary>
    private static List<float[]> Run(TransformerModel model, int[] prompt)
    {
        var outputs = new List<float[]>();
        void Sink(int layer, int ordinal, ReadOnlySpan<float> logits, int rows) => outputs.Add(logits.ToArray());
        var caches = new[] { model.CreateCache(), model.CreateCache(), model.CreateCache() };
        outputs.Add(model.Forward(new BatchLayout([caches[0]], [prompt.Length]), prompt, allPositions: true, Sink));
        outputs.Add(model.Forward(new BatchLayout([caches[1], caches[2]], [2, 1]), [prompt[0], prompt[1], prompt[2]], allPositions: true, Sink));
        outputs.Add(model.Forward(new BatchLayout([caches[0]], [1]), [prompt[3]], allPositions: false, Sink));
        outputs.Add(model.Forward(new BatchLayout(caches, [1, 1, 1]), [prompt[4], prompt[5], prompt[6]], allPositions: false, Sink));
        return outputs;
    }

    private static void AssertAboutHalf(long bf16Bytes, long fp32Bytes, string what)
    {
        var ratio = (double)bf16Bytes / fp32Bytes;
        Assert.True(ratio is >= 0.5 and <= 0.56, $"{what}: bf16 storage holds {bf16Bytes} bytes, fp32 {fp32Bytes} (ratio {ratio:F3})");
    }

    /// <summary>Writes the checkpoint at <paramref name="from"/> with every floating tensor rounded to bf16.</summary>
    private static string ConvertToBf16(string from, string to)
    {
        Directory.CreateDirectory(to);
        File.Copy(Path.Combine(from, "config.json"), Path.Combine(to, "config.json"));
        using var source = SafeTensorsFile.Open(Path.Combine(from, "model.safetensors"));
        var tensors = source.Names
            .Select(n => TensorData.FromFloat32AsBFloat16(n, [.. source.GetInfo(n).Shape], source.ReadFloat32(n)))
            .ToList();
        SafeTensorsWriter.Write(Path.Combine(to, "model.safetensors"), tensors);
        return to;
    }
}
