using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Cuda;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Bench.Gpu;

/// <summary>
/// models/demo-moe through a <see cref="CudaStage"/> whose MoE layers route and combine on the device with every
/// expert in its own buffer (as expert grains hold them), against the whole-model path (stacked experts) in bf16:
/// last-token logits of a short prompt (fused router, skinny grouped kernels) and a long one (cuBLAS router and
/// per-expert GEMMs).
/// </summary>
public static class StageMoeChecks
{
    public static bool Run(CudaDevice device, string dir, string? name = null)
    {
        name ??= Path.GetFileName(dir.TrimEnd('/'));
        if (!Directory.Exists(dir))
        {
            Console.WriteLine($"INFO demo model not found at {dir}");
            return true;
        }

        var config = ModelConfigReader.Load(dir);
        var spec = CudaModelSpec.FromModelConfig(config);
        using var source = Checkpoint.Open(dir);
        using var experts = CudaRoutedExperts.Load(device, config, source);
        var part = new ModelPart(0, config.NumLayers, true, true, static (_, _) => false);
        using var stage = CudaStage.Load(device, config, source, part, new CudaStageOptions { MaxTokens = 64, MaxSequences = 1, MaxSeqLen = 128 });
        using var whole = CudaTransformer.Load(device, spec, source, new CudaTransformerOptions
        {
            Bf16 = true, MaxTokens = 64, MaxBatch = 1, MaxSeqLen = 128, MaxLogitRows = 64,
        });
        // The host path of a stage grain whose experts are elsewhere: fp32 route and combine on the host, each
        // expert's rows through the shared runner.
        var host = new TransformerModel(WeightLoader.Load(source, config, part), Gemm.Default, ActivationPrecision.Float32);
        using var runner = new CudaExpertRunner(device);
        bool ok = true;
        foreach (int length in new[] { 7, 48 })
        {
            var ids = Enumerable.Range(0, length).Select(i => (i * 131 + 17) % spec.Vocab).ToArray();
            var all = whole.Forward(ids, 1, length);
            var want = all.AsSpan((length - 1) * spec.Vocab, spec.Vocab).ToArray();
            var got = Step(stage, config, ids, (l, _) => stage.Moe(l, experts.GateUp[l], experts.Down[l]));
            var counts = new int[config.NumLayers * config.NumExperts];
            stage.ReadExpertCounts(counts);
            var viaHost = Step(stage, config, ids, (l, n) => HostMoe(stage, host, runner, experts, l, n));
            int routed = counts.Sum(), expected = length * config.TopK * config.MoeLayers.Count(m => m);
            Console.WriteLine($"{(routed == expected ? "PASS" : "FAIL")} {name} stage device MoE expert counts, {length} tokens: {routed} routed rows (expected {expected})");
            ok &= routed == expected;
            ok &= Check.Report($"{name} stage device MoE vs whole model, bf16, {length} tokens, last-token logits", Check.RelError(got, want), 2e-2);
            ok &= Check.Report($"{name} stage device MoE vs stage host MoE path, bf16, {length} tokens, last-token logits", Check.RelError(got, viaHost), 2e-2);
            Console.WriteLine($"INFO {name} argmax, {length} tokens: device MoE {Array.IndexOf(got, got.Max())}, host MoE path {Array.IndexOf(viaHost, viaHost.Max())}, whole model {Array.IndexOf(want, want.Max())}");
        }

        return ok;
    }

    /// <summary>One prefill of <paramref name="ids"/> through the stage, MoE layers by <paramref name="moe"/>: last-token logits.</summary>
    private static float[] Step(CudaStage stage, ModelConfig config, int[] ids, Action<int, int> moe)
    {
        int n = ids.Length, slot = stage.AcquireSlot();
        try
        {
            stage.Begin(Enumerable.Repeat(slot, n).ToArray(), Enumerable.Range(0, n).ToArray());
            stage.Embed(ids);
            for (int l = 0; l < config.NumLayers; l++)
            {
                stage.Attention(l);
                if (config.MoeLayers[l])
                {
                    moe(l, n);
                }
                else
                {
                    stage.DenseMlp(l);
                }
            }

            var logits = new float[config.VocabSize];
            stage.Head([n - 1], logits);
            return logits;
        }
        finally
        {
            stage.ReleaseSlot(slot);
        }
    }

    private static void HostMoe(CudaStage stage, TransformerModel host, CudaExpertRunner runner, CudaRoutedExperts experts, int layer, int n)
    {
        var c = host.Config;
        var hidden = new float[n * c.HiddenSize];
        var normed = new float[n * c.HiddenSize];
        stage.Download(hidden);
        var routing = host.MoeRoute(layer, hidden, n, normed, new float[n * c.NumExperts]);
        var outputs = new float[]?[c.NumExperts];
        for (int e = 0; e < c.NumExperts; e++)
        {
            int rows = routing.TokenCount(e);
            if (rows > 0)
            {
                outputs[e] = new float[rows * c.HiddenSize];
                runner.Forward(experts[layer, e], host.MoeExpertInput(routing, e, normed), rows, outputs[e]);
            }
        }

        host.MoeFinish(layer, routing, outputs, normed, hidden, n);
        stage.Upload(hidden);
    }
}
