using System.Collections.Concurrent;
using System.Text;
using DistInfer.Engine.Cuda.Native;

namespace DistInfer.Engine.Cuda;

/// <summary>
/// One opened GPU: allocation, streams, compiled kernel modules (NVRTC, cached per process and device) and cuBLAS.
/// <see cref="TryOpen(int, out string)"/> returns null with a reason where there is no CUDA, so callers keep the CPU path.
/// </summary>
public sealed unsafe class CudaDevice : IDisposable
{
    private readonly ConcurrentDictionary<string, KernelModule> _modules = new(StringComparer.Ordinal);

    private CudaDevice(CudaLibraries libraries, CudaDeviceInfo info)
    {
        Libraries = libraries;
        Info = info;
        ProgrammaticLaunch = info.ComputeCapabilityMajor >= 9 && Environment.GetEnvironmentVariable("DISTINFER_CUDA_PDL") != "0";
    }

    public CudaDeviceInfo Info { get; }

    public int Ordinal => Info.Ordinal;

    /// <summary>"sm_90" for compute capability 9.0: the NVRTC target.</summary>
    public string Architecture => $"sm_{Info.ComputeCapabilityMajor}{Info.ComputeCapabilityMinor}";

    internal CudaLibraries Libraries { get; }

    /// <summary>
    /// Launch kernels with programmatic dependent launch (compute capability 9.0+), hiding launch latency between
    /// dependent kernels; DISTINFER_CUDA_PDL=0 turns it off.
    /// </summary>
    public bool ProgrammaticLaunch { get; set; }

    public static CudaDevice? TryOpen() => TryOpen(0, out _);

    /// <summary>Opens GPU <paramref name="ordinal"/>, or returns null with the reason (no library, no device, driver error).</summary>
    public static CudaDevice? TryOpen(int ordinal, out string reason)
    {
        if (!CudaLibraries.TryGet(out var libs, out reason))
        {
            return null;
        }

        try
        {
            var infos = Query(libs!);
            if (ordinal < 0 || ordinal >= infos.Count)
            {
                reason = infos.Count == 0 ? "no CUDA device" : $"no CUDA device {ordinal} (found {infos.Count})";
                return null;
            }

            var device = new CudaDevice(libs!, infos[ordinal]);
            device.MakeCurrent();
            return device;
        }
        catch (CudaException ex)
        {
            reason = ex.Message;
            return null;
        }
    }

    /// <summary>Every GPU's name, memory and compute capability; empty where there is no CUDA.</summary>
    public static IReadOnlyList<CudaDeviceInfo> QueryAll() => TryQueryAll(out var infos, out _) ? infos : [];

    public static bool TryQueryAll(out IReadOnlyList<CudaDeviceInfo> devices, out string reason)
    {
        devices = [];
        if (!CudaLibraries.TryGet(out var libs, out reason))
        {
            return false;
        }

        try
        {
            devices = Query(libs!);
            return true;
        }
        catch (CudaException ex)
        {
            reason = ex.Message;
            return false;
        }
    }

    /// <summary>Binds this GPU to the calling thread (runtime and driver calls use the thread's current device).</summary>
    public void MakeCurrent() => Libraries.Runtime.Check(Libraries.Runtime.SetDevice(Ordinal), "cudaSetDevice");

    public DeviceBuffer Allocate(long bytes)
    {
        nint p;
        var rt = Libraries.Runtime;
        rt.Check(rt.Malloc(&p, (nuint)Math.Max(bytes, 16)), $"cudaMalloc({bytes} bytes)");
        return new DeviceBuffer(this, p, bytes);
    }

    public CudaStream CreateStream() => new(this);

    public (long Free, long Total) MemoryInfo()
    {
        nuint free, total;
        Libraries.Runtime.Check(Libraries.Runtime.MemGetInfo(&free, &total), "cudaMemGetInfo");
        return ((long)free, (long)total);
    }

    public void Synchronize() => Libraries.Runtime.Check(Libraries.Runtime.DeviceSynchronize(), "cudaDeviceSynchronize");

    /// <summary>The embedded kernel source <paramref name="file"/> (e.g. "Attention.cu") compiled for this GPU.</summary>
    public KernelModule Module(string file) => _modules.GetOrAdd(file, f => KernelModule.Compile(this, f));

    public void Dispose()
    {
        foreach (var m in _modules.Values)
        {
            m.Dispose();
        }

        _modules.Clear();
    }

    private static List<CudaDeviceInfo> Query(CudaLibraries libs)
    {
        var rt = libs.Runtime;
        var drv = libs.Driver;
        int count;
        var status = rt.GetDeviceCount(&count);
        if (status == 100 || status == 35 || status == 999)
        {
            // no device, insufficient driver, unknown: treated as "no CUDA" with the runtime's words.
            throw new CudaException($"cudaGetDeviceCount failed: {rt.ErrorString(status)} ({status})");
        }

        rt.Check(status, "cudaGetDeviceCount");
        drv.Check(drv.Init(0), "cuInit");
        int driverVersion, runtimeVersion;
        rt.Check(rt.DriverGetVersion(&driverVersion), "cudaDriverGetVersion");
        rt.Check(rt.RuntimeGetVersion(&runtimeVersion), "cudaRuntimeGetVersion");
        var result = new List<CudaDeviceInfo>(count);
        var name = stackalloc byte[256];
        for (int i = 0; i < count; i++)
        {
            int dev, major, minor, sms;
            drv.Check(drv.DeviceGet(&dev, i), "cuDeviceGet");
            drv.Check(drv.DeviceGetName(name, 256, dev), "cuDeviceGetName");
            rt.Check(rt.DeviceGetAttribute(&major, CudaRuntimeApi.AttrComputeCapabilityMajor, i), "cudaDeviceGetAttribute(major)");
            rt.Check(rt.DeviceGetAttribute(&minor, CudaRuntimeApi.AttrComputeCapabilityMinor, i), "cudaDeviceGetAttribute(minor)");
            rt.Check(rt.DeviceGetAttribute(&sms, CudaRuntimeApi.AttrMultiprocessorCount, i), "cudaDeviceGetAttribute(multiprocessors)");
            rt.Check(rt.SetDevice(i), "cudaSetDevice");
            nuint free, total;
            rt.Check(rt.MemGetInfo(&free, &total), "cudaMemGetInfo");
            var len = 0;
            while (len < 256 && name[len] != 0)
            {
                len++;
            }

            result.Add(new CudaDeviceInfo(i, Encoding.UTF8.GetString(name, len), (long)total, (long)free, major, minor, sms,
                driverVersion, runtimeVersion));
        }

        return result;
    }
}
