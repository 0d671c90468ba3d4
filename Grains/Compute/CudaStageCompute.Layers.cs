using DistInfer.Engine.Model;
using DistInfer.Grains.Routing;

namespace DistInfer.Grains.Compute;

/// <summary>
/// A step whose layers all stay on the device runs them in one <see cref="Engine.Cuda.CudaStage.Layers"/> call, which
/// replays decode-sized steps as CUDA graphs: no host launch per kernel, no host round trip between layers.
/// </summary>
public sealed partial class CudaStageCompute
{
    private readonly nint[]?[] _layerGateUp;
    private readonly nint[]?[] _layerDown;

    /// <summary>
    /// Runs layers [<paramref name="first"/>, <paramref name="end"/>) in one call when every MoE layer among them
    /// passes <see cref="TryDeviceMoe"/>'s checks (router here, every replica the dispatcher could pick on this GPU
    /// with the stage's matrix type); false leaves the step to the layer-by-layer path, nothing launched.
    /// </summary>
    private bool TryDeviceLayers(int first, int end, TransformerModel model, ExpertDispatcher dispatcher)
    {
        // The device's top-k has no capacity: with a capacity factor the host path routes (it drops over capacity).
        if (first >= end || model.CapacityFactor > 0)
        {
            return false;
        }

        int experts = model.Config.NumExperts;
        for (var l = first; l < end; l++)
        {
            if (model.Config.MoeLayers[l]
                && (!_stage.RoutesOnDevice(l) || !dispatcher.TryPickLocal(model, l, _isLocal, _picked[l] ??= new ReplicaSlot[experts])))
            {
                return false;
            }
        }

        bool graph;
        lock (_silo.ExpertsGate)
        {
            for (var l = first; l < end; l++)
            {
                if (model.Config.MoeLayers[l] && !Resolve(l, experts))
                {
                    return false;
                }
            }

            graph = _stage.Layers(first, end, _layerGateUp, _layerDown);
        }

        for (var l = first; l < end; l++)
        {
            _deviceLayers[l] = model.Config.MoeLayers[l];
        }

        _silo.CountStageStep(whole: true, graph);
        return true;
    }

    /// <summary>Layer <paramref name="layer"/>'s picked replicas' matrices on this GPU; false when one is not (held under the experts gate).</summary>
    private bool Resolve(int layer, int experts)
    {
        var picked = _picked[layer];
        var local = _pickedLocal[layer] ??= new LocalCudaExpert[experts];
        var gateUp = _layerGateUp[layer] ??= new nint[experts];
        var down = _layerDown[layer] ??= new nint[experts];
        for (var e = 0; e < experts; e++)
        {
            // An expert grain may have left since the pick, or hold another matrix type: the host path then.
            var expert = _silo.Local(picked[e].Key);
            if (expert is null || expert.Weights.IsBf16 != _stage.IsBf16 || expert.Weights.Width != _stage.Spec.MoeIntermediate)
            {
                return false;
            }

            local[e] = expert;
            gateUp[e] = expert.Weights.GateUp;
            down[e] = expert.Weights.Down;
        }

        return true;
    }
}
