using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains.Weights;

namespace DistInfer.Cluster.Tests.Weights;

/// <summary>
/// One silo's copy must answer the change check for the file it shipped: a copy that cannot (it no longer reads the
/// path, or is gone) answered "unknown", which the check took for "unchanged", so its bytes were kept unchecked.
/// </summary>
public sealed class SiloModelFileSourceTests
{
    [Fact]
    public async Task GetManifestAsync_CopyNoLongerReadsThePath_ThrowsNamingSiloAndPath()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var holder = cluster.Silos[0].Address.ToString();
        var copy = new ClusterModelFileSource(cluster.Silos[1].GrainFactory, [holder]).Copies[0];
        var gone = Path.Combine(Path.GetTempPath(), "distinfer-no-such-model-" + Guid.NewGuid().ToString("N"));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => copy.GetManifestAsync(gone));

        Assert.Contains($"silo {holder} no longer reads {gone}", error.Message, StringComparison.Ordinal);
        Assert.NotNull(await copy.GetManifestAsync(RepoPaths.Fixture("olmoe")));
    }

    [Fact]
    public async Task GetManifestAsync_CopysSiloGone_ThrowsNamingIt()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var holder = cluster.Silos[0].Address.ToString();
        var copy = new ClusterModelFileSource(cluster.Silos[1].GrainFactory, [holder]).Copies[0];
        await cluster.KillAsync(cluster.Silos[0]);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => copy.GetManifestAsync(RepoPaths.Fixture("olmoe")));

        Assert.Contains($"silo {holder} did not answer whether", error.Message, StringComparison.Ordinal);
    }
}
