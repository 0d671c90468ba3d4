using System.Runtime.InteropServices;

namespace DistInfer.Engine.Cuda.Native;

/// <summary>The few driver calls NVRTC output needs (module load, function lookup, launch) plus device naming.</summary>
internal sealed unsafe class CudaDriverApi
{
    public const int FuncAttributeMaxThreadsPerBlock = 0;
    public const int FuncAttributeMaxDynamicSharedSizeBytes = 8;

    public readonly delegate* unmanaged<uint, int> Init;
    public readonly delegate* unmanaged<int*, int, int> DeviceGet;
    public readonly delegate* unmanaged<byte*, int, int, int> DeviceGetName;
    public readonly delegate* unmanaged<nuint*, int, int> DeviceTotalMem;
    public readonly delegate* unmanaged<nint*, byte*, int> ModuleLoadData;
    public readonly delegate* unmanaged<nint, int> ModuleUnload;
    public readonly delegate* unmanaged<nint*, nint, byte*, int> ModuleGetFunction;
    public readonly delegate* unmanaged<nint, int, int, int> FuncSetAttribute;
    public readonly delegate* unmanaged<int*, int, nint, int> FuncGetAttribute;
    public readonly delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int> LaunchKernel;
    public readonly delegate* unmanaged<CuLaunchConfig*, nint, void**, void**, int> LaunchKernelEx;
    private readonly delegate* unmanaged<int, byte**, int> _getErrorString;

    public CudaDriverApi(nint lib, string libName)
    {
        nint E(string s) => NativeLibraryLoader.Export(lib, libName, s);
        Init = (delegate* unmanaged<uint, int>)E("cuInit");
        DeviceGet = (delegate* unmanaged<int*, int, int>)E("cuDeviceGet");
        DeviceGetName = (delegate* unmanaged<byte*, int, int, int>)E("cuDeviceGetName");
        DeviceTotalMem = (delegate* unmanaged<nuint*, int, int>)E("cuDeviceTotalMem_v2");
        ModuleLoadData = (delegate* unmanaged<nint*, byte*, int>)E("cuModuleLoadData");
        ModuleUnload = (delegate* unmanaged<nint, int>)E("cuModuleUnload");
        ModuleGetFunction = (delegate* unmanaged<nint*, nint, byte*, int>)E("cuModuleGetFunction");
        FuncSetAttribute = (delegate* unmanaged<nint, int, int, int>)E("cuFuncSetAttribute");
        FuncGetAttribute = (delegate* unmanaged<int*, int, nint, int>)E("cuFuncGetAttribute");
        LaunchKernel = (delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int>)E("cuLaunchKernel");
        _getErrorString = (delegate* unmanaged<int, byte**, int>)E("cuGetErrorString");
        LaunchKernelEx = (delegate* unmanaged<CuLaunchConfig*, nint, void**, void**, int>)E("cuLaunchKernelEx");
    }

    public void Check(int status, string call)
    {
        if (status == 0)
        {
            return;
        }

        byte* text = null;
        var known = _getErrorString(status, &text) == 0 && text != null;
        var message = known ? Marshal.PtrToStringUTF8((nint)text) : "unknown error";
        throw new CudaException($"{call} failed: {message} ({status})");
    }
}
