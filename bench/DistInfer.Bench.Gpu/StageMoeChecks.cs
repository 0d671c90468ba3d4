using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Cuda;
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
    public static bool Run(CudaDevice device, string dir)
    {
        if (!Directory.Exists(dir))
        {
            Console.WriteLine($"INFO demo model not found at {dir}");
            return true;
        }

        var config = ModelConfigReader.Load(dir);
        var spec = CudaModelSpec.FromModelConfig(config);
        var names = new TensorNames(config);
        using var source = Checkpoint.Open(dir);
        var experts = new List<CudaExpert>();
        try
        {
            var gateUp = new nint[config.NumLayers][];
            var down = new nint[config.NumLayers][];
            for (int l = 0; l < config.NumLayers; l++)
            {
                if (!config.MoeLayers[l])
                {
                    continue;
                }

                gateUp[l] = new nint[config.NumExperts];
                down[l] = new nint[config.NumExperts];
                for (int e = 0; e < config.NumExperts; e++)
                {
                    var x = CudaExpert.Load(device, source, names.Expert(l, e, "gate"), names.Expert(l, e, "up"), names.Expert(l, e, "down"),
                        config.HiddenSize, config.ExpertIntermediateSize, bf16: true);
                    experts.Add(x);
                    gateUp[l][e] = x.GateUp;
                    down[l][e] = x.Down;
                }
            }

            var part = new ModelPart(0, config.NumLayers, true, true, static (_, _) => false);
            using var stage = CudaStage.Load(device, config, source, part, new CudaStageOptions { MaxTokens = 64, MaxSequences = 1, MaxSeqLen = 128 });
            using var whole = CudaTransformer.Load(device, spec, source, new CudaTransformerOptions
            {
                Bf16 = true, MaxTokens = 64, MaxBatch = 1, MaxSeqLen = 128, MaxLogitRows = 64,
            });
            bool ok = true;
            foreach (int length in new[] { 7, 48 })
            {
                var ids = Enumerable.Range(0, length).Select(i => (i * 131 + 17) % spec.Vocab).ToArray();
                var all = whole.Forward(ids, 1, length);
                var want = all.AsSpan((length - 1) * spec.Vocab, spec.Vocab).ToArray();
                int slot = stage.AcquireSlot();
                stage.Begin(Enumerable.Repeat(slot, length).ToArray(), Enumerable.Range(0, length).ToArray());
                stage.Embed(ids);
                for (int l = 0; l < config.NumLayers; l++)
                {
                    stage.Attention(l);
                    if (config.MoeLayers[l])
                    {
                        stage.Moe(l, gateUp[l], down[l]);
                    }
                    else
                    {
                        stage.DenseMlp(l);
                    }
                }

                var got = new float[spec.Vocab];
                stage.Head([length - 1], got);
                stage.ReleaseSlot(slot);
                var counts = new int[config.NumLayers * config.NumExperts];
                stage.ReadExpertCounts(counts);
                int routed = counts.Sum(), moeLayers = config.MoeLayers.Count(m => m);
                bool countsOk = routed == length * config.TopK * moeLayers;
                Console.WriteLine($"{(countsOk ? "PASS" : "FAIL")} stage device MoE expert counts, {length} tokens: {routed} routed rows "
                    + $"(expected {length * config.TopK * moeLayers})");
                ok &= countsOk;
                ok &= Check.Report($"stage device MoE vs whole model, demo-moe bf16, {length} tokens, last-token logits", Check.RelError(got, want), 2e-2);
                bool argmax = Array.IndexOf(got, got.Max()) == Array.IndexOf(want, want.Max());
                Console.WriteLine($"{(argmax ? "PASS" : "FAIL")} stage device MoE argmax equal, {length} tokens");
                ok &= argmax;
            }

            return ok;
        }
        finally
        {
            foreach (var x in experts)
            {
                x.Dispose();
            }
        }
    }
}
