using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains.Compute;
using DistInfer.Grains.Fabric;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Grains;

/// <summary>Loading a stage's layers, and refusing a plan older than the deployed one.</summary>
public sealed partial class StageGrain
{
    public async Task<StageStatus> Load(StageLoadRequest request)
    {
        // A pipeline reloading from its copy of an older deployment (a retry after a fault) must not load that plan
        // back over one deployed since with other stages: the new plan's steps would run on the old layers.
        var current = await GrainFactory.GetGrain<IModelRegistryGrain>(request.Model).Describe();
        if (current is not null && current.DeployedUtc > request.DeployedUtc && !InPlan(current, request))
        {
            throw new ModelRedeployedException($"model {request.Model} was redeployed with another plan; stage {this.GetPrimaryKeyString()} keeps it rather than load layers {request.FirstLayer}-{request.EndLayer - 1} of the older one");
        }

        // Compared with what the weights were loaded for, not with _request: a Load that failed after loading them
        // (the registry was unreachable) leaves _request unset, and the next Load must still complete it.
        if (_model is null || _weightsFor is null || !SameWeights(_weightsFor, request))
        {
            // Until this Load completes the stage has no usable weights (steps fail and are retried). After the step
            // in progress, if any: Forward interleaves, and a step suspended on its expert calls may be using the device
            // memory freed here. Caches of other layers are of no use to the new ones.
            await _compute.WaitAsync();
            try
            {
                _weightsFor = null;
                _request = null;
                if (_model is not null)
                {
                    _caches.Clear();
                    _lastUsed.Clear();
                }

                _cuda?.Dispose();
                _cuda = null;
            }
            finally
            {
                _compute.Release();
            }

            // Routed experts live in expert grains, so the stage loads (and ships) none of them. With a GPU the
            // layers run there, and so do MoE layers whose experts are on that GPU; the host part routes and
            // combines the others.
            var part = new ModelPart(request.FirstLayer, request.EndLayer, request.Embedding, request.Head, static (_, _) => false);
            var silo = ServiceProvider.GetService<GrainComputeDevice>();
            var device = silo?.Cuda;
            ((_model, _cuda), _weightProgress) = await WeightLoading.LoadAsync(this, WeightLoading.Stage, request.Model, request.ModelPath, request.Sources,
                (config, names) => TensorSelection.Stage(config, names, part.FirstLayer, part.EndLayer, part.Embedding, part.Head),
                (source, config) => device is null
                    ? (new TransformerModel(WeightLoader.Load(source, config, part), Gemm.Default), null)
                    : (new TransformerModel(WeightLoader.Load(source, config, part), Gemm.Default, CudaStageCompute.HostPrecision),
                        CudaStageCompute.Load(silo!, config, source, part)));
            _weightsFor = request;
        }

        // The expert replica set changes (rebalancing) without reloading weights; a stale request (a pipeline
        // reloading a reactivated stage from its copy of the deployment) must not roll it back.
        if (current is not null && current.ReplicaSetVersion > request.ReplicaSetVersion && current.ModelPath == request.ModelPath)
        {
            request = request with { ExpertReplicaSet = current.ExpertReplicaSet, ExpertReplicaCounts = current.ExpertReplicaCounts, ReplicaSetVersion = current.ReplicaSetVersion };
        }

        _request = request;
        _model.CapacityFactor = request.CapacityFactor;
        await Dispatcher.UpdateAsync(request);
        return await Status();
    }

    /// <summary>Whether <paramref name="request"/> loads what <paramref name="deployment"/> plans for its stage.</summary>
    private static bool InPlan(DeploymentInfo deployment, StageLoadRequest request) =>
        request.Replica < deployment.Replicas && request.Stage < deployment.Stages
        && SameWeights(ModelRegistryGrain.StageRequest(deployment, request.Replica, request.Stage), request);

    private static bool SameWeights(StageLoadRequest a, StageLoadRequest b) =>
        a.ModelPath == b.ModelPath && a.FirstLayer == b.FirstLayer && a.EndLayer == b.EndLayer && a.Embedding == b.Embedding && a.Head == b.Head;
}
