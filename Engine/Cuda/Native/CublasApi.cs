using System.Runtime.InteropServices;

namespace DistInfer.Engine.Cuda.Native;

/// <summary>cuBLAS entry points (the _v2 exports the headers map the plain names to).</summary>
internal sealed unsafe class CublasApi
{
    public const int OpN = 0;
    public const int OpT = 1;
    public const int DataR32F = 0;
    public const int DataR16BF = 14;
    public const int Compute32F = 68;
    public const int GemmDefault = -1;

    public readonly delegate* unmanaged<nint*, int> Create;
    public readonly delegate* unmanaged<nint, int> Destroy;
    public readonly delegate* unmanaged<nint, nint, int> SetStream;
    public readonly delegate* unmanaged<nint, nint, nuint, int> SetWorkspace;
    public readonly delegate* unmanaged<nint, int, int, int, int, int, float*, nint, int, int, nint, int, int, float*, nint, int, int, int, int, int> GemmEx;
    public readonly delegate* unmanaged<nint, int, int, int, int, int, float*, nint, int, int, long, nint, int, int, long, float*, nint, int, int, long, int, int, int, int> GemmStridedBatchedEx;
    private readonly delegate* unmanaged<int, byte*> _getStatusString;

    public CublasApi(nint lib, string libName)
    {
        nint E(string s) => NativeLibraryLoader.Export(lib, libName, s);
        Create = (delegate* unmanaged<nint*, int>)E("cublasCreate_v2");
        Destroy = (delegate* unmanaged<nint, int>)E("cublasDestroy_v2");
        SetStream = (delegate* unmanaged<nint, nint, int>)E("cublasSetStream_v2");
        SetWorkspace = (delegate* unmanaged<nint, nint, nuint, int>)E("cublasSetWorkspace_v2");
        GemmEx = (delegate* unmanaged<nint, int, int, int, int, int, float*, nint, int, int, nint, int, int, float*, nint, int, int, int, int, int>)E("cublasGemmEx");
        GemmStridedBatchedEx = (delegate* unmanaged<nint, int, int, int, int, int, float*, nint, int, int, long, nint, int, int, long, float*, nint, int, int, long, int, int, int, int>)E("cublasGemmStridedBatchedEx");
        _getStatusString = (delegate* unmanaged<int, byte*>)E("cublasGetStatusString");
    }

    public void Check(int status, string call)
    {
        if (status != 0)
        {
            var p = _getStatusString(status);
            var text = p == null ? "unknown status" : Marshal.PtrToStringUTF8((nint)p);
            throw new CudaException($"{call} failed: {text} ({status})");
        }
    }
}
