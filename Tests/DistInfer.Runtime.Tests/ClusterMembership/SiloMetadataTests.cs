using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Tests.ClusterMembership;

public sealed class SiloMetadataTests
{
    [Fact]
    public void Collect_AcceleratorsAndCustom_ReadBackTyped()
    {
        var metadata = SiloMetadata.Collect(
            [new AcceleratorMetadata("H100", 80L << 30, 60L << 30), new AcceleratorMetadata("H100", 80L << 30, 10L << 30)],
            new Dictionary<string, string> { ["zone"] = "eu-1", [SiloMetadataKeys.CpuCount] = "64" },
            activationCount: 12);

        Assert.Equal("64", metadata[SiloMetadataKeys.CpuCount]);
        Assert.Equal("eu-1", metadata["zone"]);
        Assert.True(SiloMetadata.TryGetInt64(metadata, SiloMetadataKeys.ActivationCount, out var activations));
        Assert.Equal(12, activations);
        Assert.True(SiloMetadata.TryGetInt64(metadata, SiloMetadataKeys.MemoryTotalBytes, out var memory) && memory > 0);
        Assert.Equal(
            [new AcceleratorMetadata("H100", 80L << 30, 60L << 30), new AcceleratorMetadata("H100", 80L << 30, 10L << 30)],
            SiloMetadata.GetAccelerators(metadata));
    }

    [Fact]
    public void GetAccelerators_MalformedEntry_SkipsIt()
    {
        var metadata = new Dictionary<string, string>
        {
            [SiloMetadataKeys.AcceleratorCount] = "2",
            [SiloMetadataKeys.Accelerator(0, "name")] = "A",
            [SiloMetadataKeys.Accelerator(0, "memory.total")] = "not a number",
            [SiloMetadataKeys.Accelerator(0, "memory.free")] = "1",
            [SiloMetadataKeys.Accelerator(1, "name")] = "B",
            [SiloMetadataKeys.Accelerator(1, "memory.total")] = "100",
            [SiloMetadataKeys.Accelerator(1, "memory.free")] = "40",
        };

        Assert.Equal([new AcceleratorMetadata("B", 100, 40)], SiloMetadata.GetAccelerators(metadata));
        Assert.Empty(SiloMetadata.GetAccelerators(new Dictionary<string, string>()));
    }
}
