namespace DistInfer.Engine.Cuda;

/// <summary>
/// A CUDA, cuBLAS or NVRTC call failed, or a CUDA library could not be found; the message names the call and
/// the library's own error text, e.g. "cudaMalloc failed: out of memory (2)".
/// </summary>
public sealed class CudaException : DistInferException
{
    public CudaException(string message) : base(message) { }

    public CudaException(string message, Exception inner) : base(message, inner) { }
}
