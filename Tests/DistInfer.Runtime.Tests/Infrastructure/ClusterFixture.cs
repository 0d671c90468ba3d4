using DistInfer.Runtime.Placement;
using DistInfer.Runtime.Tests.Placement;

namespace DistInfer.Runtime.Tests.Infrastructure;

/// <summary>A three-silo cluster shared by the non-destructive cluster tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(3, (i, o) =>
    {
        if (i == 2)
        {
            o.Roles.Add("gpu");
        }

        o.Metadata["zone"] = i == 1 ? "b" : "a";
    },
    (_, services) => services.AddPlacementDirector<ZonePlacementStrategy, ZonePlacementDirector>());

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
