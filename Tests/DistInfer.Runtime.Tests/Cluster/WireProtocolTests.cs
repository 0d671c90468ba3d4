using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Cluster;

/// <summary>A silo of another wire protocol version (an older build) in a cluster of this build.</summary>
public sealed class WireProtocolTests
{
    private const int Placements = 30;

    [Fact]
    public async Task OlderSilo_JoinsTheMembership_LeftOutOfPlacementAndItsCallsRefusedNamingBothVersions()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var older = await cluster.AddSiloAsync(o => o.Messaging.WireProtocolVersion = 0);

        // Random placement over three silos would pick the older one about ten times in thirty.
        for (var i = 0; i < Placements; i++)
        {
            var where = await cluster.Silos[0].GrainFactory.GetGrain<IRandomGrain>(Signals.Unique("wire")).WhereAmI();
            Assert.NotEqual(older.Address.ToString(), where);
        }

        Assert.True(cluster.Membership.Current.TryGet(older.Address, out var seen));
        Assert.Equal(0, seen.WireProtocol);
        Assert.DoesNotContain(cluster.Membership.Current.ActiveSilos, s => s.Address == older.Address);

        var error = await Assert.ThrowsAsync<DistInfer.Runtime.Messaging.CallRefusedException>(() => older.GrainFactory.GetGrain<IRandomGrain>(Signals.Unique("wire")).WhereAmI());
        Assert.Contains("wire protocol 0", error.Message, StringComparison.Ordinal);

        // The silos of this build still serve each other.
        var key = Signals.Unique("wire");
        Assert.Equal(
            await cluster.Silos[0].GrainFactory.GetGrain<IRandomGrain>(key).WhereAmI(),
            await cluster.Silos[1].GrainFactory.GetGrain<IRandomGrain>(key).WhereAmI());
    }
}
