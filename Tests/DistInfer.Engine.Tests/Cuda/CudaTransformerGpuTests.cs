using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Cuda;
using DistInfer.Engine.Tests.Model;

namespace DistInfer.Engine.Tests.Cuda;

/// <summary>The GPU forward against the transformers fixtures. Run on a GPU host: --filter "Category=Gpu".</summary>
[Trait("Category", "Gpu")]
public sealed class CudaTransformerGpuTests
{
    // Token id the reference passed to generate() as pad_token_id: transformers masked it in the prompts.
    private const int ReferencePadId = 0;

    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public void Forward_Fp32Weights_LogitsAndRouterLogitsWithin1e3(string name)
    {
        using var gpu = Load(name, bf16: false, out var reference, out var ids, out int batch, out int length);
        using (reference)
        {
            var router = new List<float[]>();
            var logits = gpu.Forward(ids, batch, length, router);
            Assert.True(FixtureModels.RelativeError(logits, reference.ReadFloat32("logits")) < 1e-3);
            for (int i = 0; i < router.Count; i++)
            {
                Assert.True(FixtureModels.RelativeError(router[i], reference.ReadFloat32($"router_logits.{i}")) < 1e-3);
            }
        }
    }

    // mixtral and olmoe are left out: with bf16 weights a near-tie in layer 0's router flips an expert, and the
    // layer-1 router logits then differ by 0.16 and 0.05 (the GPU check console prints these every run).
    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2_moe")]
    [InlineData("qwen3_moe")]
    public void Forward_Bf16Weights_LogitsWithin2e2(string name)
    {
        using var gpu = Load(name, bf16: true, out var reference, out var ids, out int batch, out int length);
        using (reference)
        {
            var logits = gpu.Forward(ids, batch, length);
            Assert.True(FixtureModels.RelativeError(logits, reference.ReadFloat32("logits")) < 2e-2);
        }
    }

    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public void GenerateGreedy_Fp32Weights_IdsEqualReference(string name)
    {
        using var gpu = Load(name, bf16: false, out var reference, out var ids, out int batch, out int length);
        using (reference)
        {
            var greedy = reference.ReadInt64("greedy_ids");
            int total = (int)reference.GetInfo("greedy_ids").Shape[1], newTokens = total - length;
            var prompts = Enumerable.Range(0, batch)
                .Select(b => ids.Skip(b * length).Take(length).Where(x => x != ReferencePadId).ToArray()).ToArray();
            var generated = gpu.GenerateGreedy(prompts, newTokens);
            for (int b = 0; b < batch; b++)
            {
                var expected = greedy.Skip(b * total + length).Take(newTokens).Select(x => (int)x).ToArray();
                Assert.Equal(expected, generated[b]);
            }
        }
    }

    [Fact]
    public void QueryAll_GpuHost_ReportsNameAndMemory()
    {
        GpuDevice.Require();
        var all = CudaDevice.QueryAll();
        Assert.NotEmpty(all);
        Assert.All(all, d => Assert.True(d.TotalBytes > 0 && d.FreeBytes > 0 && d.Name.Length > 0));
    }

    [Fact]
    public void RmsNorm_RandomRows_MatchesCpu()
    {
        var device = GpuDevice.Require();
        using var stream = device.CreateStream();
        using var ops = new CudaOps(device, stream, bf16: false);
        int rows = 3, h = 256;
        var rng = new Random(5);
        var x = Enumerable.Range(0, rows * h).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var w = Enumerable.Range(0, h).Select(_ => (float)rng.NextDouble()).ToArray();
        using var dx = device.Allocate(x.Length * 4L);
        using var dw = device.Allocate(w.Length * 4L);
        using var dy = device.Allocate(x.Length * 4L);
        dx.Upload<float>(x);
        dw.Upload<float>(w);
        ops.RmsNorm(dx.Pointer, dw.Pointer, dy.Pointer, rows, h, 1e-6f, h);
        stream.Synchronize();
        var y = dy.Download<float>(x.Length);
        for (int r = 0; r < rows; r++)
        {
            double ss = 0;
            for (int i = 0; i < h; i++)
            {
                ss += x[r * h + i] * x[r * h + i];
            }

            double inv = 1 / Math.Sqrt(ss / h + 1e-6);
            for (int i = 0; i < h; i++)
            {
                Assert.Equal(w[i] * x[r * h + i] * inv, y[r * h + i], 1e-5);
            }
        }
    }

    private static CudaTransformer Load(string name, bool bf16, out ITensorSource reference, out int[] ids, out int batch, out int length)
    {
        var device = GpuDevice.Require();
        string dir = RepoPaths.Fixture(name);
        reference = Checkpoint.Open(Path.Combine(dir, "reference.safetensors"));
        var shape = reference.GetInfo("input_ids").Shape;
        batch = (int)shape[0];
        length = (int)shape[1];
        ids = reference.ReadInt64("input_ids").Select(x => (int)x).ToArray();
        int total = (int)reference.GetInfo("greedy_ids").Shape[1];
        var spec = CudaModelSpec.FromModelConfig(ModelConfigReader.Load(dir));
        using var source = Checkpoint.Open(dir);
        return CudaTransformer.Load(device, spec, source, new CudaTransformerOptions
        {
            Bf16 = bf16, MaxTokens = batch * total, MaxBatch = batch, MaxSeqLen = total + 1, MaxLogitRows = batch * total,
        });
    }
}
