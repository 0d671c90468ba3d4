namespace DistInfer.Engine.Cuda.Native;

/// <summary>
/// The four CUDA libraries, loaded once per process. Absence is a reason string, never an exception at type
/// load, so machines without CUDA keep the CPU path.
/// </summary>
internal sealed class CudaLibraries
{
    private static readonly Lock Gate = new();
    private static CudaLibraries? _loaded;
    private static string? _failure;

    private CudaLibraries(CudaRuntimeApi runtime, CudaDriverApi driver, CublasApi cublas, NvrtcApi nvrtc)
    {
        Runtime = runtime;
        Driver = driver;
        Cublas = cublas;
        Nvrtc = nvrtc;
    }

    public CudaRuntimeApi Runtime { get; }

    public CudaDriverApi Driver { get; }

    public CublasApi Cublas { get; }

    public NvrtcApi Nvrtc { get; }

    public static bool TryGet(out CudaLibraries? libraries, out string reason)
    {
        lock (Gate)
        {
            if (_loaded is null && _failure is null)
            {
                try
                {
                    _loaded = Load(out _failure);
                }
                catch (CudaException ex)
                {
                    _failure = ex.Message;
                }
            }

            libraries = _loaded;
            reason = _failure ?? string.Empty;
            return _loaded is not null;
        }
    }

    private static CudaLibraries? Load(out string? failure)
    {
        if (!NativeLibraryLoader.TryLoad(["libcudart.so.13", "libcudart.so.12", "libcudart.so"], out var cudart, out failure)
            || !NativeLibraryLoader.TryLoad(["libcuda.so.1", "libcuda.so"], out var cuda, out failure)
            || !NativeLibraryLoader.TryLoad(["libcublas.so.13", "libcublas.so.12", "libcublas.so"], out var cublas, out failure)
            || !NativeLibraryLoader.TryLoad(["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"], out var nvrtc, out failure))
        {
            return null;
        }

        failure = null;
        return new CudaLibraries(
            new CudaRuntimeApi(cudart, "libcudart"),
            new CudaDriverApi(cuda, "libcuda"),
            new CublasApi(cublas, "libcublas"),
            new NvrtcApi(nvrtc, "libnvrtc"));
    }
}
