using System.Diagnostics;
using DistInfer.Engine.Config;
using DistInfer.Engine.Cuda;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains.Compute;
using DistInfer.Grains.Placement;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Grains;

/// <summary>
/// One expert replica: its SwiGLU weights, run over every token a stage routes to it in a step. Tokens that stages of
/// its silo (or the silo's expert host) run through the registered weights without a call keep it from being
/// collected as idle (<see cref="IWorkOutsideCalls"/>): collecting it would unregister the weights it serves.
/// </summary>
[ExpertPlacement]
public sealed class ExpertGrain : Grain, IExpertGrain, IWorkOutsideCalls
{
    private SwiGluWeights? _weights;
    private CudaExpert? _cuda;
    private LocalCudaExpert? _local;
    private LocalExpert? _localCpu;
    private LocalExperts? _localExperts;
    private GrainComputeDevice? _device;
    private ModelConfig? _config;
    private WeightLoadProgress? _weightProgress;
    private bool _bf16;
    private long _tokens;
    private long _calls;
    private long _computeTicks;
    private long _servedWhenAsked;

    public async Task<ExpertStatus> Load(ExpertLoadRequest request)
    {
        if (_weights is null && _cuda is null)
        {
            var key = ExpertKey.Parse(this.GetPrimaryKeyString());
            if (key.Layer != request.Layer || key.Expert != request.Expert)
            {
                throw new ArgumentException($"load request for layer {request.Layer} expert {request.Expert} sent to {key}");
            }

            // With a GPU the expert's weights live there in bf16 and every call runs there.
            _device = ServiceProvider.GetService<GrainComputeDevice>();
            var cuda = _device?.Cuda;
            ((_weights, _cuda, _config), _weightProgress) = await WeightLoading.LoadAsync(this, WeightLoading.Expert, key.Model, request.ModelPath, request.Sources,
                (config, _) => TensorSelection.Expert(config, key.Layer, key.Expert),
                (source, config) =>
                {
                    var names = new TensorNames(config);
                    string gate = names.Expert(key.Layer, key.Expert, "gate"), up = names.Expert(key.Layer, key.Expert, "up"), down = names.Expert(key.Layer, key.Expert, "down");
                    return cuda is null
                        ? (WeightLoader.LoadSwiGlu(source, gate, up, down, config.HiddenSize, config.ExpertIntermediateSize), (CudaExpert?)null, config)
                        : ((SwiGluWeights?)null, CudaExpert.Load(cuda, source, gate, up, down, config.HiddenSize, config.ExpertIntermediateSize, bf16: true), config);
                });
            _bf16 = TransformerModel.DefaultPrecision(_config) == ActivationPrecision.BFloat16;
            if (_cuda is not null)
            {
                // Stage grains of this silo may run the expert on the device without calling it (counted in _local).
                _local = _device!.Register(this.GetPrimaryKeyString(), _cuda);
            }
            else if (ServiceProvider.GetService<LocalExperts>() is { } localExperts)
            {
                // Likewise on the CPU: stages of this silo run these weights in their own turn (counted in _localCpu).
                _localExperts = localExperts;
                _localCpu = localExperts.Register(this.GetPrimaryKeyString(), _weights!, _bf16);
            }
        }

        return await Status();
    }

    public Task<float[]> Forward(float[] block, int rows)
    {
        if (_weights is null && _cuda is null)
        {
            throw new ExpertNotLoadedException($"expert {this.GetPrimaryKeyString()} has no weights; call Load first");
        }

        var h = _config!.HiddenSize;
        if (rows < 0 || block.Length != rows * h)
        {
            throw new ArgumentException($"expert {this.GetPrimaryKeyString()}: {block.Length} values for {rows} rows of width {h}");
        }

        var output = new float[rows * h];
        var started = Stopwatch.GetTimestamp();
        if (_cuda is not null)
        {
            _device!.Experts.Forward(_cuda, block, rows, output);
        }
        else
        {
            _weights!.Forward(Gemm.Default, block, rows, output, _bf16);
        }

        _computeTicks += Stopwatch.GetTimestamp() - started;
        _tokens += rows;
        _calls++;
        return Task.FromResult(output);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_localCpu is not null)
        {
            _localExperts!.Unregister(this.GetPrimaryKeyString(), _localCpu);
        }

        if (_local is not null)
        {
            lock (_device!.ExpertsGate)
            {
                _device.Unregister(this.GetPrimaryKeyString());
                _local = null;
                _cuda?.Dispose();
                _cuda = null;
            }
        }

        _cuda?.Dispose();
        _cuda = null;
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    public bool WorkedSinceLastAsked()
    {
        var served = (_local?.Tokens ?? 0) + (_localCpu?.Tokens ?? 0);
        var worked = served != _servedWhenAsked;
        _servedWhenAsked = served;
        return worked;
    }

    public Task Retire()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task<ExpertStatus> Status() => Task.FromResult(new ExpertStatus
    {
        Silo = RuntimeIdentity,
        Loaded = _weights is not null || _cuda is not null,
        Tokens = _tokens + (_local?.Tokens ?? 0) + (_localCpu?.Tokens ?? 0),
        Calls = _calls + (_local?.Calls ?? 0) + (_localCpu?.Calls ?? 0),
        Weights = _weightProgress,
        ComputeSeconds = Stopwatch.GetElapsedTime(0, _computeTicks).TotalSeconds + (_localCpu?.ComputeTime.TotalSeconds ?? 0),
        ServedLocally = (_local?.Tokens ?? 0) + (_localCpu?.Tokens ?? 0),
    });
}
