using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Cuda;

/// <summary>
/// Every routed expert of a checkpoint's MoE layers on one device in bf16, each in its own buffers as expert grains
/// hold them, with the per-layer weight pointers <see cref="CudaStage.Moe"/> and <see cref="CudaStage.Layers"/> take.
/// For a stage that holds the whole model's experts itself (GPU checks, benchmarks, tests).
/// </summary>
public sealed class CudaRoutedExperts : IDisposable
{
    private readonly CudaExpert?[][] _experts;

    private CudaRoutedExperts(CudaExpert?[][] experts, nint[]?[] gateUp, nint[]?[] down)
    {
        _experts = experts;
        GateUp = gateUp;
        Down = down;
    }

    /// <summary>Per layer, the experts' fused gate-up weights (null for a dense layer).</summary>
    public nint[]?[] GateUp { get; }

    /// <summary>Per layer, the experts' down weights (null for a dense layer).</summary>
    public nint[]?[] Down { get; }

    /// <summary>Expert <paramref name="expert"/> of MoE layer <paramref name="layer"/>.</summary>
    public CudaExpert this[int layer, int expert] =>
        _experts[layer][expert] ?? throw new ArgumentOutOfRangeException(nameof(layer), $"layer {layer} is not a MoE layer");

    public static CudaRoutedExperts Load(CudaDevice device, ModelConfig config, ITensorSource source)
    {
        var names = new TensorNames(config);
        var experts = new CudaExpert?[config.NumLayers][];
        var gateUp = new nint[]?[config.NumLayers];
        var down = new nint[]?[config.NumLayers];
        var loaded = new CudaRoutedExperts(experts, gateUp, down);
        try
        {
            for (int l = 0; l < config.NumLayers; l++)
            {
                experts[l] = new CudaExpert?[config.NumExperts];
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
                    experts[l][e] = x;
                    gateUp[l]![e] = x.GateUp;
                    down[l]![e] = x.Down;
                }
            }

            return loaded;
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var layer in _experts)
        {
            foreach (var x in layer ?? [])
            {
                x?.Dispose();
            }
        }
    }
}
