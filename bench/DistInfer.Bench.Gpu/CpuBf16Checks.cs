using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Bench.Gpu;

/// <summary>
/// The fixtures on the CPU engine with bf16-rounded weights (the values bf16 storage holds), with fp32 activations
/// and with bf16 activation rounding, against the fp32 reference logits: both error measures, no GPU needed.
/// The figures to set beside the GPU's bf16 mode and transformers' bf16 runs (bench/hf_bf16_weights.py).
/// </summary>
public static class CpuBf16Checks
{
    public static void Run(string root)
    {
        foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(dir);
            var config = ModelConfigReader.Load(dir);
            using var reference = Checkpoint.Open(Path.Combine(dir, "reference.safetensors"));
            var shape = reference.GetInfo("input_ids").Shape;
            int batch = (int)shape[0], length = (int)shape[1];
            var ids = reference.ReadInt64("input_ids").Select(x => (int)x).ToArray();
            var want = reference.ReadFloat32("logits");
            ModelWeights weights;
            using (var source = new Bf16RoundedSource(Checkpoint.Open(dir)))
            {
                weights = WeightLoader.Load(source, config, storage: WeightStorage.Float32);
            }

            foreach (var precision in new[] { ActivationPrecision.Float32, ActivationPrecision.BFloat16 })
            {
                var model = new TransformerModel(weights, Gemm.Default, precision);
                var caches = Enumerable.Range(0, batch).Select(_ => model.CreateCache()).ToArray();
                var logits = model.Forward(new BatchLayout(caches, Enumerable.Repeat(length, batch).ToArray()), ids, allPositions: true);
                Console.WriteLine($"INFO fixture {name} CPU engine, bf16-rounded weights, {precision} activations: logits {Check.Both(logits, want)}");
            }
        }
    }
}
