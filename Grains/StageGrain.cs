using System.Buffers;
using System.Diagnostics;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using DistInfer.Grains.Compute;
using DistInfer.Grains.Fabric;
using DistInfer.Grains.Placement;
using DistInfer.Grains.Routing;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;
using DistInfer.Runtime.Placement;
using DistInfer.Runtime.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Grains;

/// <summary>
/// A pipeline stage: its layers' attention, norms, routers and dense MLPs, the KV caches of its replica's
/// sequences, and the dispatch of each MoE layer's tokens to expert replicas (<see cref="ExpertDispatcher"/>),
/// combined in the engine's order. Micro-batches arrive on the stage's activation stream and go on to the next
/// stage's (StageGrain.Streams.cs); the stage takes its next micro-batch as soon as it handed one on, so with m ≥ p
/// micro-batches in flight the stages work at the same time. <see cref="IStageGrain.Forward"/> is the direct-call
/// transport kept beside it.
/// </summary>
[StagePlacement]
[ImplicitStreamSubscription(PipelineStreams.Activations, ImplicitOnly = true)]
public sealed partial class StageGrain : Grain, IStageGrain
{
    private readonly Dictionary<long, SequenceKvCache> _caches = [];
    private readonly SemaphoreSlim _compute = new(1, 1);
    private readonly StageBusyLog _busy = new();
    private ExpertDispatcher? _dispatcher;
    private TransformerModel? _model;
    private CudaStageCompute? _cuda;
    private WeightLoadProgress? _weightProgress;
    private StageLoadRequest? _request;
    private StageLoadRequest? _weightsFor;
    private (TimeProvider Time, IStageActivityListener? Listener)? _services;

    /// <summary>The silo's clock (a test's fake one when registered) and stage listener, looked up once.</summary>
    private (TimeProvider Time, IStageActivityListener? Listener) StageServices =>
        _services ??= (ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System, ServiceProvider.GetService<IStageActivityListener>());
    private long _steps;
    private double _busySeconds;

    private FabricOptions? _fabric;

    /// <summary>The silo's fabric settings (defaults when the silo registered none).</summary>
    private FabricOptions FabricSettings => _fabric ??= ServiceProvider.GetService<FabricOptions>() ?? new FabricOptions();

    private ExpertDispatcher Dispatcher => _dispatcher ??= new ExpertDispatcher(GrainFactory, ServiceProvider.GetService<LocalExperts>())
    {
        LocalPin = ExpertKey.PinOf(RuntimeIdentity),
        GroupBySilo = FabricSettings.GroupExpertCallsBySilo,
    };

    public async Task<float[]> Forward(StageStep step)
    {
        // Forward interleaves so that micro-batches queue here while earlier ones are further down the pipeline.
        var (output, request) = await RunAsync(step);
        if (request.Head)
        {
            return output;
        }

        // The hidden states go on to the next stage and its answer (in the end the last stage's logits) comes back.
        var next = GrainFactory.GetGrain<IStageGrain>(new StageKey(request.Model, request.Replica, request.Stage + 1).ToString());
        return await next.Forward(step with { Tokens = [], Hidden = output });
    }

    /// <summary>
    /// One micro-batch through this stage's layers, inside the compute gate (one at a time: the model's step state
    /// and the caches are shared) and the busy log; answers hidden states, or logits on the last stage.
    /// </summary>
    private async Task<(float[] Output, StageLoadRequest Request)> RunAsync(StageStep step)
    {
        var (time, listener) = StageServices;
        await _compute.WaitAsync();
        var start = time.GetUtcNow();
        try
        {
            if (listener is not null)
            {
                await listener.OnBusyAsync(this.GetPrimaryKeyString(), step);
            }

            var request = _request ?? throw new InvalidOperationException($"stage {this.GetPrimaryKeyString()} has no weights; call Load first");
            TouchAndSweep(step, start);
            return (await ComputeAsync(step), request);
        }
        finally
        {
            var end = time.GetUtcNow();
            _busy.Record(start, end);
            _busySeconds += (end - start).TotalSeconds;
            _compute.Release();
        }
    }

    private async Task<float[]> ComputeAsync(StageStep step)
    {
        var model = _model ?? throw new InvalidOperationException($"stage {this.GetPrimaryKeyString()} has no weights; call Load first");
        var request = _request!;
        if (_cuda is not null)
        {
            var result = await _cuda.ComputeAsync(step, request, model, Dispatcher, this.GetPrimaryKeyString());
            _steps++;
            return result;
        }

        var layout = new BatchLayout(CachesFor(step, model), step.Counts);
        var n = layout.TotalTokens;
        var h = model.Config.HiddenSize;

        // Scratch comes from the pool (a prefill's blocks are large-object-heap sized); only what leaves the stage
        // is allocated: the hidden states a middle stage hands on (the last stage's logits come from LogitsPool).
        // The hidden states received are copied, not computed in: a MicroBatch is [Immutable], shared in a silo.
        if (!request.Embedding && step.Hidden.Length != n * h)
        {
            throw new ArgumentException($"stage {request.Stage}: {step.Hidden.Length} hidden values for {n} tokens of width {h}");
        }

        var rented = request.Head;
        var hidden = rented ? ArrayPool<float>.Shared.Rent(n * h) : new float[n * h];
        if (request.Embedding)
        {
            model.Embed(step.Tokens, hidden);
        }
        else
        {
            step.Hidden.CopyTo(hidden, 0);
        }

        var normed = ArrayPool<float>.Shared.Rent(n * h);
        var routerLogits = ArrayPool<float>.Shared.Rent(n * Math.Max(1, model.Config.NumExperts));
        try
        {
            model.BeginStep(layout);
            for (var l = request.FirstLayer; l < request.EndLayer; l++)
            {
                model.AttentionStep(l, layout, hidden, normed);
                if (model.Config.MoeLayers[l])
                {
                    var routing = model.MoeRoute(l, hidden, n, normed, routerLogits.AsSpan(0, n * Math.Max(1, model.Config.NumExperts)));
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
            return request.Head ? Head(model, layout, hidden) : hidden;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(normed);
            ArrayPool<float>.Shared.Return(routerLogits);
            if (rented)
            {
                ArrayPool<float>.Shared.Return(hidden);
            }
        }
    }

    /// <summary>Each sequence's last-token logits [B, V].</summary>
    private float[] Head(TransformerModel model, BatchLayout layout, float[] hidden)
    {
        var h = model.Config.HiddenSize;
        var b = layout.SequenceCount;
        var last = ArrayPool<float>.Shared.Rent(b * h);
        try
        {
            for (var s = 0; s < b; s++)
            {
                hidden.AsSpan((layout.Offsets[s] + layout.Counts[s] - 1) * h, h).CopyTo(last.AsSpan(s * h, h));
            }

            // The logits leave the stage uncopied (a result is [Immutable]); an executor in this process hands the
            // arrays back through the pool once sampled. The head writes every value.
            var logits = LogitsPool.Rent(b * model.Config.VocabSize);
            model.Head(last.AsSpan(0, b * h), b, logits);
            return logits;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(last);
        }
    }

    public Task Release(long[] sequenceIds)
    {
        foreach (var id in sequenceIds)
        {
            _caches.Remove(id);
            _cuda?.Release(id);
            Forget(id);
        }

        return Task.CompletedTask;
    }

    public async Task Unload()
    {
        // After the step in progress, if any (steps interleave with other calls): it may be using the device memory.
        await _compute.WaitAsync();
        try
        {
            // Dropped at once: the activation lingers until idle, its weights and caches need not.
            _caches.Clear();
            _lastUsed.Clear();
            _cuda?.Dispose();
            _cuda = null;
            (_model, _weightsFor, _request) = (null, null, null);
        }
        finally
        {
            _compute.Release();
        }

        ServiceProvider.GetService<LocalStages>()?.Remove(this.GetPrimaryKeyString());
        DeactivateOnIdle();
    }

    public Task<StageStatus> Status()
    {
        var busy = _busy.Snapshot();
        return Task.FromResult(new StageStatus
        {
            Silo = RuntimeIdentity,
            Loaded = _model is not null,
            LiveSequences = _cuda?.LiveSequences ?? _caches.Count,
            Steps = _steps,
            BusySeconds = _busySeconds,
            ParameterBytes = (_model?.Weights.ParameterCount ?? 0) * sizeof(float),
            BusyStartTicks = busy.Starts,
            BusyEndTicks = busy.Ends,
            Utilisation = Fabric.PipelineUtilisation.Of(busy.Starts, busy.Ends),
            Dispatch = _dispatcher?.Statistics() ?? [],
            ReplicaSetVersion = _dispatcher?.Version ?? -1,
            Weights = _weightProgress,
        });
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ServiceProvider.GetService<LocalStages>()?.Remove(this.GetPrimaryKeyString());
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && FabricSettings.HandOffStagesOnDrain)
        {
            await HandOffAsync(cancellationToken);
        }

        // Device memory is not the GC's: give the weights and KV cache back as the activation goes.
        _cuda?.Dispose();
        _cuda = null;
        await base.OnDeactivateAsync(reason, cancellationToken);
    }
}
