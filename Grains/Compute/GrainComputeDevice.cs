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

    public GrainComputeDevice(CudaDevice? cuda, string description)
    {
        Cuda = cuda;
        Description = description;
        _experts = cuda is null ? null : new Lazy<CudaExpertRunner>(() => new CudaExpertRunner(cuda));
    }

    /// <summary>The CPU engine, with the reason it was chosen.</summary>
    public static GrainComputeDevice Cpu(string reason) => new(null, $"CPU ({reason})");

    public CudaDevice? Cuda { get; }

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

    public void Dispose()
    {
        if (_experts is { IsValueCreated: true })
        {
            _experts.Value.Dispose();
        }

        Cuda?.Dispose();
    }
}
