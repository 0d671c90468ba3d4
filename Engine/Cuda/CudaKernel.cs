using DistInfer.Engine.Cuda.Native;

namespace DistInfer.Engine.Cuda;

/// <summary>A resolved kernel function; launched with arguments packed by <see cref="KernelArgs"/>.</summary>
public sealed unsafe class CudaKernel
{
    private readonly CudaDevice _device;
    private readonly CudaDriverApi _driver;
    private readonly nint _function;
    private int _dynamicSharedLimit = 48 * 1024;
    private int _maxThreads;

    internal CudaKernel(CudaDevice device, CudaDriverApi driver, nint function, string name)
    {
        _device = device;
        _driver = driver;
        _function = function;
        Name = name;
    }

    public string Name { get; }

    public void Launch(CudaStream stream, (int X, int Y, int Z) grid, int block, int sharedBytes, KernelArgs args)
    {
        if (grid.X == 0 || grid.Y == 0 || grid.Z == 0)
        {
            return;
        }

        if (sharedBytes > _dynamicSharedLimit)
        {
            // Opt in to more than 48 KiB of dynamic shared memory once per kernel.
            _driver.Check(_driver.FuncSetAttribute(_function, CudaDriverApi.FuncAttributeMaxDynamicSharedSizeBytes, sharedBytes), $"cuFuncSetAttribute({Name})");
            _dynamicSharedLimit = sharedBytes;
        }

        if (CudaProfiler.Current is null)
        {
            LaunchNow(stream, grid, block, sharedBytes, args);
            return;
        }

        CudaProfiler.Time(stream, Name, () => LaunchNow(stream, grid, block, sharedBytes, args));
    }

    /// <summary>The most threads a block of this kernel may have (its register use limits it).</summary>
    public int MaxThreadsPerBlock
    {
        get
        {
            if (_maxThreads == 0)
            {
                int v;
                _driver.Check(_driver.FuncGetAttribute(&v, CudaDriverApi.FuncAttributeMaxThreadsPerBlock, _function), $"cuFuncGetAttribute({Name})");
                _maxThreads = v;
            }

            return _maxThreads;
        }
    }

    private void LaunchNow(CudaStream stream, (int X, int Y, int Z) grid, int block, int sharedBytes, KernelArgs args)
    {
        if (!_device.ProgrammaticLaunch)
        {
            _driver.Check(_driver.LaunchKernel(_function, (uint)grid.X, (uint)grid.Y, (uint)grid.Z, (uint)block, 1, 1,
                (uint)sharedBytes, stream.Handle, args.Pointers, null), $"cuLaunchKernel({Name})");
            return;
        }

        // Programmatic stream serialization: the kernel may launch before its predecessor finishes; every kernel
        // begins with griddepcontrol.wait, so it still sees all earlier writes.
        CuLaunchAttribute attribute = default;
        attribute.Id = CuLaunchAttribute.ProgrammaticStreamSerialization;
        *(int*)attribute.Value = 1;
        var config = new CuLaunchConfig
        {
            GridX = (uint)grid.X, GridY = (uint)grid.Y, GridZ = (uint)grid.Z, BlockX = (uint)block, BlockY = 1, BlockZ = 1,
            SharedBytes = (uint)sharedBytes, Stream = stream.Handle, Attributes = &attribute, AttributeCount = 1,
        };
        _driver.Check(_driver.LaunchKernelEx(&config, _function, args.Pointers, null), $"cuLaunchKernelEx({Name})");
    }

    public void Launch(CudaStream stream, int grid, int block, int sharedBytes, KernelArgs args) =>
        Launch(stream, (grid, 1, 1), block, sharedBytes, args);
}
