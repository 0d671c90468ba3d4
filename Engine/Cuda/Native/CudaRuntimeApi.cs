using System.Runtime.InteropServices;

namespace DistInfer.Engine.Cuda.Native;

/// <summary>Function pointers into libcudart, resolved once; every status goes through <see cref="Check"/>.</summary>
internal sealed unsafe class CudaRuntimeApi
{
    public const int MemcpyHostToDevice = 1;
    public const int MemcpyDeviceToHost = 2;
    public const int MemcpyDeviceToDevice = 3;
    public const int AttrMultiprocessorCount = 16;
    public const int AttrComputeCapabilityMajor = 75;
    public const int AttrComputeCapabilityMinor = 76;
    public const int StreamNonBlocking = 1;
    public const int CaptureModeThreadLocal = 1;

    public readonly delegate* unmanaged<int*, int> GetDeviceCount;
    public readonly delegate* unmanaged<int, int> SetDevice;
    public readonly delegate* unmanaged<int*, int, int, int> DeviceGetAttribute;
    public readonly delegate* unmanaged<nuint*, nuint*, int> MemGetInfo;
    public readonly delegate* unmanaged<nint*, nuint, int> Malloc;
    public readonly delegate* unmanaged<nint, int> Free;
    public readonly delegate* unmanaged<nint*, nuint, int> MallocHost;
    public readonly delegate* unmanaged<nint, int> FreeHost;
    public readonly delegate* unmanaged<nint, nint, nuint, int, int> Memcpy;
    public readonly delegate* unmanaged<nint, nint, nuint, int, nint, int> MemcpyAsync;
    public readonly delegate* unmanaged<nint, int, nuint, nint, int> MemsetAsync;
    public readonly delegate* unmanaged<nint*, uint, int> StreamCreateWithFlags;
    public readonly delegate* unmanaged<nint, int> StreamSynchronize;
    public readonly delegate* unmanaged<nint, int> StreamDestroy;
    public readonly delegate* unmanaged<nint*, int> EventCreate;
    public readonly delegate* unmanaged<nint, nint, int> EventRecord;
    public readonly delegate* unmanaged<nint, int> EventSynchronize;
    public readonly delegate* unmanaged<float*, nint, nint, int> EventElapsedTime;
    public readonly delegate* unmanaged<nint, int> EventDestroy;
    public readonly delegate* unmanaged<int> DeviceSynchronize;
    public readonly delegate* unmanaged<int*, int> DriverGetVersion;
    public readonly delegate* unmanaged<int*, int> RuntimeGetVersion;
    public readonly delegate* unmanaged<nint, int, int> StreamBeginCapture;
    public readonly delegate* unmanaged<nint, nint*, int> StreamEndCapture;
    public readonly delegate* unmanaged<nint*, nint, ulong, int> GraphInstantiate;
    public readonly delegate* unmanaged<nint, nint, int> GraphLaunch;
    public readonly delegate* unmanaged<nint, int> GraphExecDestroy;
    public readonly delegate* unmanaged<nint, int> GraphDestroy;
    private readonly delegate* unmanaged<int, byte*> _getErrorString;

    public CudaRuntimeApi(nint lib, string libName)
    {
        nint E(string s) => NativeLibraryLoader.Export(lib, libName, s);
        GetDeviceCount = (delegate* unmanaged<int*, int>)E("cudaGetDeviceCount");
        SetDevice = (delegate* unmanaged<int, int>)E("cudaSetDevice");
        DeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)E("cudaDeviceGetAttribute");
        MemGetInfo = (delegate* unmanaged<nuint*, nuint*, int>)E("cudaMemGetInfo");
        Malloc = (delegate* unmanaged<nint*, nuint, int>)E("cudaMalloc");
        Free = (delegate* unmanaged<nint, int>)E("cudaFree");
        MallocHost = (delegate* unmanaged<nint*, nuint, int>)E("cudaMallocHost");
        FreeHost = (delegate* unmanaged<nint, int>)E("cudaFreeHost");
        Memcpy = (delegate* unmanaged<nint, nint, nuint, int, int>)E("cudaMemcpy");
        MemcpyAsync = (delegate* unmanaged<nint, nint, nuint, int, nint, int>)E("cudaMemcpyAsync");
        MemsetAsync = (delegate* unmanaged<nint, int, nuint, nint, int>)E("cudaMemsetAsync");
        StreamCreateWithFlags = (delegate* unmanaged<nint*, uint, int>)E("cudaStreamCreateWithFlags");
        StreamSynchronize = (delegate* unmanaged<nint, int>)E("cudaStreamSynchronize");
        StreamDestroy = (delegate* unmanaged<nint, int>)E("cudaStreamDestroy");
        EventCreate = (delegate* unmanaged<nint*, int>)E("cudaEventCreate");
        EventRecord = (delegate* unmanaged<nint, nint, int>)E("cudaEventRecord");
        EventSynchronize = (delegate* unmanaged<nint, int>)E("cudaEventSynchronize");
        EventElapsedTime = (delegate* unmanaged<float*, nint, nint, int>)E("cudaEventElapsedTime");
        EventDestroy = (delegate* unmanaged<nint, int>)E("cudaEventDestroy");
        DeviceSynchronize = (delegate* unmanaged<int>)E("cudaDeviceSynchronize");
        DriverGetVersion = (delegate* unmanaged<int*, int>)E("cudaDriverGetVersion");
        RuntimeGetVersion = (delegate* unmanaged<int*, int>)E("cudaRuntimeGetVersion");
        StreamBeginCapture = (delegate* unmanaged<nint, int, int>)E("cudaStreamBeginCapture");
        StreamEndCapture = (delegate* unmanaged<nint, nint*, int>)E("cudaStreamEndCapture");
        GraphInstantiate = (delegate* unmanaged<nint*, nint, ulong, int>)E("cudaGraphInstantiate");
        GraphLaunch = (delegate* unmanaged<nint, nint, int>)E("cudaGraphLaunch");
        GraphExecDestroy = (delegate* unmanaged<nint, int>)E("cudaGraphExecDestroy");
        GraphDestroy = (delegate* unmanaged<nint, int>)E("cudaGraphDestroy");
        _getErrorString = (delegate* unmanaged<int, byte*>)E("cudaGetErrorString");
    }

    public string ErrorString(int status)
    {
        var p = _getErrorString(status);
        return p == null ? "unknown error" : Marshal.PtrToStringUTF8((nint)p) ?? "unknown error";
    }

    public void Check(int status, string call)
    {
        if (status != 0)
        {
            throw new CudaException($"{call} failed: {ErrorString(status)} ({status})");
        }
    }
}
