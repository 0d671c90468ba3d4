using DistInfer.Grains.Weights;

namespace DistInfer.Cluster.Tests.Weights;

/// <summary>A reopened directory's old map stays readable for the chunk reads that hold it, and closes with the last.</summary>
public sealed class ServedDirectoryTests
{
    [Fact]
    public void Retire_ReadInFlight_MapStaysOpenUntilTheReadReleases()
    {
        var served = ServedDirectory.Open(RepoPaths.Fixture("olmoe"));
        Assert.True(served.TryAcquire());

        served.Retire();

        Assert.False(served.IsClosed);
        var name = served.Model.Manifest.Tensors[0].Name;
        Assert.Equal(served.Model.Manifest.Tensors[0].ByteLength, served.Model.Tensors.GetBytes(name).Length);
        served.Release();
        Assert.True(served.IsClosed);
        Assert.False(served.TryAcquire());
    }

    [Fact]
    public void Retire_Twice_DropsTheServerReferenceOnce()
    {
        var served = ServedDirectory.Open(RepoPaths.Fixture("olmoe"));
        Assert.True(served.TryAcquire());

        served.Retire();
        served.Retire();

        Assert.False(served.IsClosed);
        served.Release();
        Assert.True(served.IsClosed);
    }
}
