using DistInfer.Engine.Cuda.Native;

namespace DistInfer.Engine.Cuda;

/// <summary>
/// A cuBLAS handle bound to one stream, with row-major helpers: C[m,n] = A[m,k] · W[n,k]^T (+ C), fp32 compute,
/// A and W in fp32 or bf16, C in fp32. TF32 is never used, so fp32 weights give fp32 results.
/// </summary>
public sealed unsafe class CublasHandle : IDisposable
{
    private readonly CudaDevice _device;
    private readonly DeviceBuffer _workspace;
    private readonly CudaStream _stream;
    private nint _handle;

    public CublasHandle(CudaDevice device, CudaStream stream)
    {
        _device = device;
        _stream = stream;
        var api = device.Libraries.Cublas;
        nint h;
        api.Check(api.Create(&h), "cublasCreate");
        _handle = h;
        api.Check(api.SetStream(h, stream.Handle), "cublasSetStream");
        // A fixed workspace keeps cuBLAS from allocating while a CUDA graph is being captured.
        _workspace = device.Allocate(32L << 20);
        api.Check(api.SetWorkspace(h, _workspace.Pointer, (nuint)_workspace.Bytes), "cublasSetWorkspace");
    }

    /// <summary>
    /// Row-major linear layer: C[m, n] (ldc) = A[m, k] (lda) · W[n, k]^T (ldw) (+ C when accumulate).
    /// Column-major view: C^T = W · A^T, i.e. op(W)=T with W as k×n, op(A)=N with A as k×m.
    /// </summary>
    /// <param name="profileName">The name the profiler files this call under.</param>
    public void Linear(bool bf16, int m, int n, int k, nint a, int lda, nint w, int ldw, nint c, int ldc, bool accumulate,
        string profileName = "cublasGemmEx")
    {
        if (CudaProfiler.Current is null)
        {
            GemmEx(bf16, m, n, k, a, lda, w, ldw, c, ldc, accumulate);
            return;
        }

        CudaProfiler.Time(_stream, profileName, () => GemmEx(bf16, m, n, k, a, lda, w, ldw, c, ldc, accumulate));
    }

    /// <summary>Same as <see cref="Linear"/> for <paramref name="batch"/> independent problems at fixed strides.</summary>
    public void LinearStridedBatched(bool bf16, int m, int n, int k, nint a, int lda, long strideA, nint w, int ldw, long strideW,
        nint c, int ldc, long strideC, int batch)
    {
        var api = _device.Libraries.Cublas;
        float alpha = 1f, beta = 0f;
        int type = bf16 ? CublasApi.DataR16BF : CublasApi.DataR32F;
        api.Check(api.GemmStridedBatchedEx(_handle, CublasApi.OpT, CublasApi.OpN, n, m, k, &alpha, w, type, ldw, strideW,
            a, type, lda, strideA, &beta, c, CublasApi.DataR32F, ldc, strideC, batch, CublasApi.Compute32F, CublasApi.GemmDefault),
            "cublasGemmStridedBatchedEx");
    }

    private void GemmEx(bool bf16, int m, int n, int k, nint a, int lda, nint w, int ldw, nint c, int ldc, bool accumulate)
    {
        var api = _device.Libraries.Cublas;
        float alpha = 1f, beta = accumulate ? 1f : 0f;
        int type = bf16 ? CublasApi.DataR16BF : CublasApi.DataR32F;
        api.Check(api.GemmEx(_handle, CublasApi.OpT, CublasApi.OpN, n, m, k, &alpha, w, type, ldw, a, type, lda, &beta,
            c, CublasApi.DataR32F, ldc, CublasApi.Compute32F, CublasApi.GemmDefault), "cublasGemmEx");
    }

    public void Dispose()
    {
        if (_handle != 0)
        {
            _device.Libraries.Cublas.Destroy(_handle);
            _handle = 0;
            _workspace.Dispose();
        }
    }
}
