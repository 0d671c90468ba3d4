using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace DistInfer.Engine.Cuda;

/// <summary>One kernel source compiled by NVRTC for the device's architecture and loaded as a module.</summary>
public sealed unsafe class KernelModule : IDisposable
{
    private readonly CudaDevice _device;
    private readonly ConcurrentDictionary<string, CudaKernel> _functions = new(StringComparer.Ordinal);
    private nint _module;

    private KernelModule(CudaDevice device, string file, nint module, string target)
    {
        _device = device;
        File = file;
        _module = module;
        Target = target;
    }

    public string File { get; }

    /// <summary>What NVRTC produced: "sm_90 cubin" or "compute_90 ptx".</summary>
    public string Target { get; }

    public CudaKernel Kernel(string name) => _functions.GetOrAdd(name, Lookup);

    public void Dispose()
    {
        if (_module != 0)
        {
            _device.Libraries.Driver.ModuleUnload(_module);
            _module = 0;
        }
    }

    internal static KernelModule Compile(CudaDevice device, string file)
    {
        var source = KernelSources.Program(file);
        var arch = $"{device.Info.ComputeCapabilityMajor}{device.Info.ComputeCapabilityMinor}";
        // CUBIN for the exact arch; PTX for the driver to JIT when this NVRTC does not know the arch yet.
        byte[] image;
        string target;
        try
        {
            image = CompileTo(device, file, source, $"--gpu-architecture=sm_{arch}", cubin: true);
            target = $"sm_{arch} cubin";
        }
        catch (CudaException ex) when (ex.Message.Contains("invalid option", StringComparison.OrdinalIgnoreCase)
            || ex.Message.Contains("architecture", StringComparison.OrdinalIgnoreCase))
        {
            image = CompileTo(device, file, source, $"--gpu-architecture=compute_{arch}", cubin: false);
            target = $"compute_{arch} ptx";
        }

        device.MakeCurrent();
        nint module;
        fixed (byte* p = image)
        {
            device.Libraries.Driver.Check(device.Libraries.Driver.ModuleLoadData(&module, p), $"cuModuleLoadData({file})");
        }

        return new KernelModule(device, file, module, target);
    }

    private static byte[] CompileTo(CudaDevice device, string file, string source, string archOption, bool cubin)
    {
        var nv = device.Libraries.Nvrtc;
        var options = new[] { archOption, "--std=c++17", "--fmad=true" };
        var src = Utf8z(source);
        var name = Utf8z(file);
        var optBytes = options.Select(Utf8z).ToArray();
        var handles = optBytes.Select(b => GCHandle.Alloc(b, GCHandleType.Pinned)).ToArray();
        nint program;
        try
        {
            var optPtrs = stackalloc byte*[optBytes.Length];
            for (int i = 0; i < optBytes.Length; i++)
            {
                optPtrs[i] = (byte*)handles[i].AddrOfPinnedObject();
            }

            fixed (byte* s = src, n = name)
            {
                nv.Check(nv.CreateProgram(&program, s, n, 0, null, null), $"nvrtcCreateProgram({file})");
            }

            try
            {
                var status = nv.CompileProgram(program, optBytes.Length, optPtrs);
                if (status != 0)
                {
                    throw new CudaException($"nvrtcCompileProgram({file}, {archOption}) failed: {nv.ErrorString(status)} ({status}): {Log(nv, program)}");
                }

                nuint size;
                if (cubin)
                {
                    nv.Check(nv.GetCubinSize(program, &size), "nvrtcGetCUBINSize");
                }
                else
                {
                    nv.Check(nv.GetPtxSize(program, &size), "nvrtcGetPTXSize");
                }

                var image = new byte[(int)size];
                fixed (byte* d = image)
                {
                    nv.Check(cubin ? nv.GetCubin(program, d) : nv.GetPtx(program, d), cubin ? "nvrtcGetCUBIN" : "nvrtcGetPTX");
                }

                return image;
            }
            finally
            {
                nv.DestroyProgram(&program);
            }
        }
        finally
        {
            foreach (var h in handles)
            {
                h.Free();
            }
        }
    }

    private static string Log(Native.NvrtcApi nv, nint program)
    {
        nuint size;
        if (nv.GetProgramLogSize(program, &size) != 0 || size <= 1)
        {
            return "(no log)";
        }

        var buffer = new byte[(int)size];
        fixed (byte* b = buffer)
        {
            nv.GetProgramLog(program, b);
        }

        return Encoding.UTF8.GetString(buffer, 0, buffer.Length - 1).Trim();
    }

    private static byte[] Utf8z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    private CudaKernel Lookup(string name)
    {
        var drv = _device.Libraries.Driver;
        nint function;
        var bytes = Utf8z(name);
        fixed (byte* n = bytes)
        {
            drv.Check(drv.ModuleGetFunction(&function, _module, n), $"cuModuleGetFunction({File}:{name})");
        }

        return new CudaKernel(_device, drv, function, name);
    }
}
