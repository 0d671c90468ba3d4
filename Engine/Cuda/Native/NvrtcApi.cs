using System.Runtime.InteropServices;

namespace DistInfer.Engine.Cuda.Native;

/// <summary>NVRTC entry points: compile CUDA C source to CUBIN (or PTX when the arch is newer than NVRTC).</summary>
internal sealed unsafe class NvrtcApi
{
    public readonly delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int> CreateProgram;
    public readonly delegate* unmanaged<nint, int, byte**, int> CompileProgram;
    public readonly delegate* unmanaged<nint*, int> DestroyProgram;
    public readonly delegate* unmanaged<nint, nuint*, int> GetProgramLogSize;
    public readonly delegate* unmanaged<nint, byte*, int> GetProgramLog;
    public readonly delegate* unmanaged<nint, nuint*, int> GetCubinSize;
    public readonly delegate* unmanaged<nint, byte*, int> GetCubin;
    public readonly delegate* unmanaged<nint, nuint*, int> GetPtxSize;
    public readonly delegate* unmanaged<nint, byte*, int> GetPtx;
    private readonly delegate* unmanaged<int, byte*> _getErrorString;

    public NvrtcApi(nint lib, string libName)
    {
        nint E(string s) => NativeLibraryLoader.Export(lib, libName, s);
        CreateProgram = (delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int>)E("nvrtcCreateProgram");
        CompileProgram = (delegate* unmanaged<nint, int, byte**, int>)E("nvrtcCompileProgram");
        DestroyProgram = (delegate* unmanaged<nint*, int>)E("nvrtcDestroyProgram");
        GetProgramLogSize = (delegate* unmanaged<nint, nuint*, int>)E("nvrtcGetProgramLogSize");
        GetProgramLog = (delegate* unmanaged<nint, byte*, int>)E("nvrtcGetProgramLog");
        GetCubinSize = (delegate* unmanaged<nint, nuint*, int>)E("nvrtcGetCUBINSize");
        GetCubin = (delegate* unmanaged<nint, byte*, int>)E("nvrtcGetCUBIN");
        GetPtxSize = (delegate* unmanaged<nint, nuint*, int>)E("nvrtcGetPTXSize");
        GetPtx = (delegate* unmanaged<nint, byte*, int>)E("nvrtcGetPTX");
        _getErrorString = (delegate* unmanaged<int, byte*>)E("nvrtcGetErrorString");
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
