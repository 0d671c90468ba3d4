using System.Collections.Concurrent;
using DistInfer.Engine.Cuda;

namespace DistInfer.Grains.Compute;

/// <summary>
/// Where this silo's stage and expert grains compute: a CUDA device, or the CPU engine when <see cref="Cuda"/> is
/// null (no GPU, or switched off). A silo registers one; grains of a process without one compute on the CPU.
/// </summary>
public sealed class GrainComputeDevice : IDisposable
{
    private readonly Lazy<CudaExpertRunner>? _experts;
    private readonly ConcurrentDictionary<string, LocalCudaExpert> _local = new(StringComparer.Ordinal);
    private long _wholeSteps;
    private long _graphSteps;
    private long _layeredSteps;

    public GrainComputeDevice(CudaDevice? cuda, string description)
    {
        Cuda = cuda;
        Description = description;
        _experts = cuda is null ? null : new Lazy<CudaExpertRunner>(() => new CudaExpertRunner(cuda));
    }

    /// <summary>The CPU engine, with the reason it was chosen.</summary>
    public static GrainComputeDevice Cpu(string reason) => new(null, $"CPU ({reason}); {Engine.Kernels.Gemm.Describe()}");

    public CudaDevice? Cuda { get; }

    /// <summary>
    /// KV-cache slots of the GPU stages this silo loads from now on (sequences each holds at once); null: from
    /// DISTINFER_CUDA_STAGE_SEQUENCES, else 64.
    /// </summary>
    public int? StageSequences { get; set; }

    /// <summary>One line for the log: which device and why.</summary>
    public string Description { get; }

    /// <summary>The runner every expert grain of this silo shares; only with a CUDA device.</summary>
    public CudaExpertRunner Experts => _experts?.Value ?? throw new InvalidOperationException("no CUDA device: experts run on the CPU");

    /// <summary>
    /// Held while a stage enqueues work on registered experts' weights and while an expert grain unregisters and
    /// frees them (freeing device memory waits for the work already enqueued).
    /// </summary>
    public Lock ExpertsGate { get; } = new();

    /// <summary>An expert grain of this silo holds its weights on this device (key: the grain's key).</summary>
    public LocalCudaExpert Register(string key, CudaExpert weights) => _local[key] = new LocalCudaExpert(weights);

    /// <summary>The expert grain leaves (before it frees its weights): stages stop running it on the device.</summary>
    public void Unregister(string key) => _local.TryRemove(key, out _);

    /// <summary>The expert replica <paramref name="key"/> when its weights are on this device.</summary>
    public LocalCudaExpert? Local(string key) => _local.GetValueOrDefault(key);

    /// <summary>Stage steps on this GPU whose layers all ran there in one call (decode-sized ones as CUDA graphs).</summary>
    public long StageStepsWhole => Interlocked.Read(ref _wholeSteps);

    /// <summary>Of <see cref="StageStepsWhole"/>, those replayed as a CUDA graph.</summary>
    public long StageStepsGraphed => Interlocked.Read(ref _graphSteps);

    /// <summary>Stage steps on this GPU run layer by layer (a MoE layer's experts elsewhere, or no router on the device).</summary>
    public long StageStepsLayered => Interlocked.Read(ref _layeredSteps);

    /// <summary>Counts one stage step on this GPU (see <see cref="StageStepsWhole"/>).</summary>
    public void CountStageStep(bool whole, bool graph)
    {
        Interlocked.Increment(ref whole ? ref _wholeSteps : ref _layeredSteps);
        if (graph)
        {
            Interlocked.Increment(ref _graphSteps);
        }
    }

    public void Dispose()
    {
        if (_experts is { IsValueCreated: true })
        {
            _experts.Value.Dispose();
        }

        Cuda?.Dispose();
    }
}
