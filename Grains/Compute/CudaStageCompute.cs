using DistInfer.Engine;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Cuda;
using DistInfer.Engine.Model;
using DistInfer.Grains.Routing;

namespace DistInfer.Grains.Compute;

/// <summary>
/// A stage grain's step on a GPU: attention, dense MLPs, embedding and head on the device (<see cref="CudaStage"/>,
/// KV caches there). A MoE layer whose expert replicas are all on this silo's GPU routes, runs its experts and
/// combines there too; any other MoE layer's hidden states come to the host, where the engine's router and combine
/// run as on the CPU path and the tokens go to the expert replicas (<see cref="ExpertDispatcher"/>), then go back.
/// A step whose MoE layers all stay on the GPU runs its layers in one call, decode steps as CUDA graphs.
/// </summary>
public sealed partial class CudaStageCompute : IDisposable
{
    private readonly CudaStage _stage;
    private readonly GrainComputeDevice _silo;
    private readonly Dictionary<long, DeviceSequence> _sequences = [];

    private CudaStageCompute(CudaStage stage, GrainComputeDevice silo, int experts)
    {
        _stage = stage;
        _silo = silo;
        _isLocal = key => _silo.Local(key) is not null;
        int layers = Math.Max(1, stage.Spec.Layers);
        _picked = new ReplicaSlot[layers][];
        _pickedLocal = new LocalCudaExpert[layers][];
        _deviceLayers = new bool[layers];
        _layerGateUp = new nint[]?[layers];
        _layerDown = new nint[]?[layers];
    }

    /// <summary>
    /// The host part's activations: fp32, as the device keeps its residual stream (bf16 GEMM inputs, fp32
    /// accumulation and sums), so a step's MoE layers (routed and combined on the host) follow the same arithmetic
    /// as its attention on the device; the CPU engine's bf16 rounding emulation would mix two arithmetics.
    /// </summary>
    public static ActivationPrecision HostPrecision => ActivationPrecision.Float32;

    public int LiveSequences => _sequences.Count;

    public long DeviceBytes => _stage.WeightBytes + _stage.WorkspaceBytes;

    /// <summary>
    /// Loads the stage's part (no routed experts: they live in expert grains; routers too unless
    /// DISTINFER_CUDA_STAGE_MOE=0) onto <paramref name="silo"/>'s GPU.
    /// </summary>
    public static CudaStageCompute Load(GrainComputeDevice silo, ModelConfig config, ITensorSource source, ModelPart part)
    {
        var device = silo.Cuda ?? throw new InvalidOperationException("the silo has no CUDA device");
        var options = CudaStageOptions.FromEnvironment(config.MaxPositionEmbeddings) with { Bf16 = true };
        if (silo.StageSequences is > 0 and var sequences)
        {
            options = options with { MaxSequences = sequences };
        }

        var stage = CudaStage.Load(device, config, source, part with { ExpertFilter = static (_, _) => false }, options);
        return new CudaStageCompute(stage, silo, Math.Max(1, config.NumExperts));
    }

    /// <summary>
    /// One step over the layers of <paramref name="request"/>: hidden states out, or each sequence's last-token
    /// logits from the head stage. <paramref name="model"/> is the host part that routes and combines MoE layers.
    /// </summary>
    public async Task<float[]> ComputeAsync(StageStep step, StageLoadRequest request, TransformerModel model, ExpertDispatcher dispatcher, string stageName)
    {
        var sequences = Resolve(step, stageName);
        int n = 0;
        foreach (var c in step.Counts)
        {
            n += c;
        }

        var h = model.Config.HiddenSize;
        var slots = new int[n];
        var positions = new int[n];
        var lastRows = new int[sequences.Length];
        for (int s = 0, row = 0; s < sequences.Length; s++)
        {
            for (var i = 0; i < step.Counts[s]; i++, row++)
            {
                slots[row] = sequences[s].Slot;
                positions[row] = sequences[s].Length + i;
            }

            lastRows[s] = row - 1;
        }

        _stage.Begin(slots, positions);
        Array.Clear(_deviceLayers);
        if (request.Embedding)
        {
            _stage.Embed(step.Tokens);
        }
        else
        {
            _stage.Upload(step.Hidden.Length == n * h ? step.Hidden : throw new ArgumentException($"stage {request.Stage}: {step.Hidden.Length} hidden values for {n} tokens of width {h}"));
        }

        var hidden = new float[n * h];
        var onDevice = true;
        float[]? normed = null, routerLogits = null;
        int end = request.EndLayer;
        if (TryDeviceLayers(request.FirstLayer, request.EndLayer, model, dispatcher))
        {
            end = request.FirstLayer;
        }
        else
        {
            _silo.CountStageStep(whole: false, graph: false);
        }

        for (var l = request.FirstLayer; l < end; l++)
        {
            if (!onDevice)
            {
                _stage.Upload(hidden);
                onDevice = true;
            }

            _stage.Attention(l);
            if (!model.Config.MoeLayers[l])
            {
                _stage.DenseMlp(l);
                continue;
            }

            if (TryDeviceMoe(l, model, dispatcher))
            {
                continue;
            }

            _stage.Download(hidden);
            onDevice = false;
            normed ??= new float[n * h];
            routerLogits ??= new float[n * Math.Max(1, model.Config.NumExperts)];
            var routing = model.MoeRoute(l, hidden, n, normed, routerLogits);
            var outputs = await dispatcher.RunAsync(model, l, routing, normed);
            model.MoeFinish(l, routing, outputs, normed, hidden, n);
        }

        for (var s = 0; s < sequences.Length; s++)
        {
            sequences[s].Length += step.Counts[s];
        }

        if (!request.Head)
        {
            if (onDevice)
            {
                _stage.Download(hidden);
            }

            // After the step's last download, so reading the counts waits for nothing more.
            ReportDeviceMoe(request.FirstLayer, request.EndLayer, model.Config.NumExperts);
            return hidden;
        }

        if (!onDevice)
        {
            _stage.Upload(hidden);
        }

        var logits = new float[sequences.Length * model.Config.VocabSize];
        _stage.Head(lastRows, logits);
        ReportDeviceMoe(request.FirstLayer, request.EndLayer, model.Config.NumExperts);
        return logits;
    }

    public void Release(long sequenceId)
    {
        if (_sequences.Remove(sequenceId, out var sequence))
        {
            _stage.ReleaseSlot(sequence.Slot);
        }
    }

    public void Dispose()
    {
        _sequences.Clear();
        _stage.Dispose();
    }

    /// <summary>The step's sequences, with the same lost-state and roll-back rules as the CPU stage's caches.</summary>
    private DeviceSequence[] Resolve(StageStep step, string stageName)
    {
        StageCapacity.ThrowIfNoRoom(step, _sequences, _stage.FreeSlots, stageName, "DISTINFER_CUDA_STAGE_SEQUENCES raises it");
        var result = new DeviceSequence[step.SequenceIds.Length];
        var lost = new List<long>();
        for (var s = 0; s < result.Length; s++)
        {
            var id = step.SequenceIds[s];
            var expected = step.ExpectedLengths.Length > s ? step.ExpectedLengths[s] : -1;
            if (!_sequences.TryGetValue(id, out var sequence))
            {
                if (expected > 0)
                {
                    lost.Add(id);
                    continue;
                }

                sequence = new DeviceSequence(_stage.AcquireSlot());
                _sequences[id] = sequence;
            }
            else if (expected >= 0 && sequence.Length != expected)
            {
                // A step that failed half-way may have committed here; roll back to what the caller has (the
                // cache entries past it are overwritten by the next step).
                if (sequence.Length < expected)
                {
                    lost.Add(id);
                    continue;
                }

                sequence.Length = expected;
            }

            result[s] = sequence;
        }

        return lost.Count == 0 ? result : throw new SequenceStateLostException($"stage {stageName} lost the KV cache of sequences {string.Join(", ", lost)}");
    }

    private sealed class DeviceSequence(int slot)
    {
        public int Slot { get; } = slot;

        public int Length { get; set; }
    }
}
