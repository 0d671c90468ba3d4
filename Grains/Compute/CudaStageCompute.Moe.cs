using DistInfer.Engine.Model;
using DistInfer.Grains.Routing;

namespace DistInfer.Grains.Compute;

/// <summary>MoE layers that stay on the device: their expert replicas' weights are on this silo's GPU.</summary>
public sealed partial class CudaStageCompute
{
    private readonly Func<string, bool> _isLocal;
    private readonly ReplicaSlot[][] _picked;
    private readonly LocalCudaExpert[][] _pickedLocal;
    private readonly bool[] _deviceLayers;
    private int[] _counts = [];

    /// <summary>
    /// Runs MoE layer <paramref name="layer"/> on the device when its router is there and every replica the
    /// dispatcher could pick for each of its experts has its weights on this GPU; false leaves it to the host path.
    /// </summary>
    private bool TryDeviceMoe(int layer, TransformerModel model, ExpertDispatcher dispatcher)
    {
        int experts = model.Config.NumExperts;

        // The device's top-k has no capacity: with a capacity factor the host path routes (it drops over capacity).
        if (!_stage.RoutesOnDevice(layer) || model.CapacityFactor > 0)
        {
            return false;
        }

        var picked = _picked[layer] ??= new ReplicaSlot[experts];
        if (!dispatcher.TryPickLocal(model, layer, _isLocal, picked))
        {
            return false;
        }

        lock (_silo.ExpertsGate)
        {
            if (!Resolve(layer, experts))
            {
                return false;
            }

            _stage.Moe(layer, _layerGateUp[layer]!, _layerDown[layer]!);
        }

        _deviceLayers[layer] = true;
        return true;
    }

    /// <summary>
    /// After a step: the tokens each expert got in the device-routed layers go to the picked replicas' statistics
    /// (the dispatcher's, and the expert grain's served tokens that the balancer reads).
    /// </summary>
    private void ReportDeviceMoe(int firstLayer, int endLayer, int experts)
    {
        bool any = false;
        for (var l = firstLayer; l < endLayer; l++)
        {
            any |= _deviceLayers[l];
        }

        if (!any)
        {
            return;
        }

        int n = Math.Max(1, endLayer - firstLayer) * experts;
        if (_counts.Length != n)
        {
            _counts = new int[n];
        }

        _stage.ReadExpertCounts(_counts);
        for (var l = firstLayer; l < endLayer; l++)
        {
            if (!_deviceLayers[l])
            {
                continue;
            }

            for (var e = 0; e < experts; e++)
            {
                int c = _counts[(l - firstLayer) * experts + e];
                if (c > 0)
                {
                    _picked[l][e].Served(c);
                    _pickedLocal[l][e].Served(c);
                }
            }
        }
    }
}
