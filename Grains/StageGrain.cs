using System.Diagnostics;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains.Routing;
using DistInfer.Runtime;
using DistInfer.Runtime.Placement;

namespace DistInfer.Grains;

/// <summary>
/// A pipeline stage: its layers' attention, norms, routers and dense MLPs, the KV caches of its replica's
/// sequences, and the dispatch of each MoE layer's tokens to expert replicas (<see cref="ExpertDispatcher"/>),
/// combined in the engine's order.
/// </summary>
[ResourceOptimizedPlacement]
public sealed class StageGrain : Grain, IStageGrain
{
    private readonly Dictionary<long, SequenceKvCache> _caches = [];
    private ExpertDispatcher? _dispatcher;
    private TransformerModel? _model;
    private StageLoadRequest? _request;
    private long _steps;
    private double _busySeconds;

    private ExpertDispatcher Dispatcher => _dispatcher ??= new ExpertDispatcher(GrainFactory);

    public async Task<StageStatus> Load(StageLoadRequest request)
    {
        if (_model is null || !SameWeights(_request!, request))
        {
            var config = ModelConfigReader.Load(request.ModelPath);
            using var source = Checkpoint.Open(request.ModelPath);
            // Routed experts live in expert grains, so the stage loads none of them.
            var part = new ModelPart(request.FirstLayer, request.EndLayer, request.Embedding, request.Head, static (_, _) => false);
            _model = new TransformerModel(WeightLoader.Load(source, config, part), Gemm.Default);
        }

        // The expert replica set changes (rebalancing) without reloading weights; a stale request (a pipeline
        // reloading a reactivated stage from its copy of the deployment) must not roll it back.
        var current = await GrainFactory.GetGrain<IModelRegistryGrain>(request.Model).Describe();
        if (current is not null && current.ReplicaSetVersion > request.ReplicaSetVersion && current.ModelPath == request.ModelPath)
        {
            request = request with { ExpertReplicaSet = current.ExpertReplicaSet, ExpertReplicaCounts = current.ExpertReplicaCounts, ReplicaSetVersion = current.ReplicaSetVersion };
        }

        _request = request;
        _model.CapacityFactor = request.CapacityFactor;
        await Dispatcher.UpdateAsync(request);
        return await Status();
    }

    private static bool SameWeights(StageLoadRequest a, StageLoadRequest b) =>
        a.ModelPath == b.ModelPath && a.FirstLayer == b.FirstLayer && a.EndLayer == b.EndLayer && a.Embedding == b.Embedding && a.Head == b.Head;

    public async Task<float[]> Forward(StageStep step)
    {
        var model = _model ?? throw new InvalidOperationException($"stage {this.GetPrimaryKeyString()} has no weights; call Load first");
        var request = _request!;
        var clock = Stopwatch.StartNew();
        var layout = new BatchLayout(CachesFor(step, model), step.Counts);
        var n = layout.TotalTokens;
        var h = model.Config.HiddenSize;
        float[] hidden;
        if (request.Embedding)
        {
            hidden = new float[n * h];
            model.Embed(step.Tokens, hidden);
        }
        else
        {
            hidden = step.Hidden.Length == n * h ? step.Hidden : throw new ArgumentException($"stage {request.Stage}: {step.Hidden.Length} hidden values for {n} tokens of width {h}");
        }

        var normed = new float[n * h];
        var routerLogits = new float[n * Math.Max(1, model.Config.NumExperts)];
        model.BeginStep(layout);
        for (var l = request.FirstLayer; l < request.EndLayer; l++)
        {
            model.AttentionStep(l, layout, hidden, normed);
            if (model.Config.MoeLayers[l])
            {
                var routing = model.MoeRoute(l, hidden, n, normed, routerLogits);
                var outputs = await Dispatcher.RunAsync(model, l, routing, normed);
                model.MoeFinish(l, routing, outputs, normed, hidden, n);
            }
            else
            {
                model.DenseMlpStep(l, hidden, n, normed);
            }
        }

        layout.Commit();
        _steps++;
        _busySeconds += clock.Elapsed.TotalSeconds;
        if (!request.Head)
        {
            return hidden;
        }

        var last = new float[layout.SequenceCount * h];
        for (var s = 0; s < layout.SequenceCount; s++)
        {
            hidden.AsSpan((layout.Offsets[s] + layout.Counts[s] - 1) * h, h).CopyTo(last.AsSpan(s * h, h));
        }

        var logits = new float[layout.SequenceCount * model.Config.VocabSize];
        model.Head(last, layout.SequenceCount, logits);
        return logits;
    }

    public Task Release(long[] sequenceIds)
    {
        foreach (var id in sequenceIds)
        {
            _caches.Remove(id);
        }

        return Task.CompletedTask;
    }

    public Task<StageStatus> Status() => Task.FromResult(new StageStatus
    {
        Silo = RuntimeIdentity,
        Loaded = _model is not null,
        LiveSequences = _caches.Count,
        Steps = _steps,
        BusySeconds = _busySeconds,
        ParameterBytes = (_model?.Weights.ParameterCount ?? 0) * sizeof(float),
        Dispatch = _dispatcher?.Statistics() ?? [],
        ReplicaSetVersion = _dispatcher?.Version ?? -1,
    });

    private SequenceKvCache[] CachesFor(StageStep step, TransformerModel model)
    {
        var caches = new SequenceKvCache[step.SequenceIds.Length];
        var lost = new List<long>();
        for (var s = 0; s < caches.Length; s++)
        {
            var id = step.SequenceIds[s];
            var expected = step.ExpectedLengths.Length > s ? step.ExpectedLengths[s] : -1;
            if (!_caches.TryGetValue(id, out var cache))
            {
                if (expected > 0)
                {
                    lost.Add(id);
                    continue;
                }

                cache = model.CreateCache(step.Counts[s] + 64);
                _caches[id] = cache;
            }
            else if (expected >= 0 && cache.Length != expected)
            {
                // A step that failed half-way may have committed here; roll back to what the caller has.
                if (cache.Length < expected)
                {
                    lost.Add(id);
                    continue;
                }

                cache.Truncate(expected);
            }

            caches[s] = cache;
        }

        return lost.Count == 0 ? caches : throw new SequenceStateLostException($"stage {this.GetPrimaryKeyString()} lost the KV cache of sequences {string.Join(", ", lost)}");
    }
}
