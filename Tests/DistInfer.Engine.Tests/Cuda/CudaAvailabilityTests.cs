using DistInfer.Engine.Cuda;
using DistInfer.Engine.Cuda.Native;

namespace DistInfer.Engine.Tests.Cuda;

/// <summary>Runs everywhere: without CUDA the engine must report why instead of throwing.</summary>
public sealed class CudaAvailabilityTests
{
    [Fact]
    public void TryOpen_AnyMachine_ReturnsDeviceOrReason()
    {
        using var device = CudaDevice.TryOpen(0, out var reason);
        if (device is null)
        {
            Assert.False(string.IsNullOrWhiteSpace(reason));
            Assert.Empty(CudaDevice.QueryAll());
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(device.Info.Name));
            Assert.True(device.Info.TotalBytes > 0);
            Assert.StartsWith("sm_", device.Architecture, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TryQueryAll_AnyMachine_ListsDevicesOrGivesReason()
    {
        bool ok = CudaDevice.TryQueryAll(out var devices, out var reason);
        Assert.True(ok ? devices.All(d => d.FreeBytes <= d.TotalBytes) : reason.Length > 0);
    }

    [Fact]
    public void TryLoad_MissingLibrary_ReasonNamesFileAndFolders()
    {
        bool loaded = NativeLibraryLoader.TryLoad(["libdistinfer-missing.so.7"], out var handle, out var reason);
        Assert.False(loaded);
        Assert.Equal(0, handle);
        Assert.Contains("libdistinfer-missing.so.7", reason, StringComparison.Ordinal);
        Assert.Contains("/usr/local/cuda/lib64", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_FixtureModel_LoadsOnGpuOrExplainsWhyNot()
    {
        using var model = CudaBackend.TryLoad(RepoPaths.Fixture("mixtral"), new CudaTransformerOptions { Bf16 = false }, out var reason);
        if (model is null)
        {
            Assert.False(string.IsNullOrWhiteSpace(reason));
        }
        else
        {
            Assert.Equal("mixtral", model.Spec.ModelType);
            Assert.True(model.WeightBytes > 0);
        }
    }

    [Fact]
    public void DeviceInfo_FormatVersion_ReadsCudaIntegers()
    {
        Assert.Equal("13.0", CudaDeviceInfo.FormatVersion(13000));
        Assert.Equal("12.4", CudaDeviceInfo.FormatVersion(12040));
    }
}
