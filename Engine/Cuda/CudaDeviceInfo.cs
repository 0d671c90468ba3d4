namespace DistInfer.Engine.Cuda;

/// <summary>What a silo advertises about one GPU (placement uses <see cref="FreeBytes"/>).</summary>
public sealed record CudaDeviceInfo(
    int Ordinal,
    string Name,
    long TotalBytes,
    long FreeBytes,
    int ComputeCapabilityMajor,
    int ComputeCapabilityMinor,
    int MultiprocessorCount,
    int DriverVersion,
    int RuntimeVersion)
{
    /// <summary>"9.0" style.</summary>
    public string ComputeCapability => $"{ComputeCapabilityMajor}.{ComputeCapabilityMinor}";

    /// <summary>CUDA's integer version (13000) as "13.0".</summary>
    public static string FormatVersion(int version) => $"{version / 1000}.{version % 1000 / 10}";

    public override string ToString() =>
        $"GPU {Ordinal}: {Name}, {TotalBytes / (1 << 20)} MiB ({FreeBytes / (1 << 20)} MiB free), compute {ComputeCapability}, " +
        $"{MultiprocessorCount} SMs, driver CUDA {FormatVersion(DriverVersion)}, runtime {FormatVersion(RuntimeVersion)}";
}
