using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Tests.ClusterMembership;

public sealed class MembershipProtocolServiceTests
{
    [Fact]
    public async Task PublishAsync_TwoSilos_EachSeesTheOtherWithStatisticsThenLeave()
    {
        var (a, b) = TwoServices();
        await using var disposeA = a;
        await using var disposeB = b;
        var infoA = new SiloInfo
        {
            Address = new("127.0.0.1", 1, 1),
            Name = "a",
            GrainInterfaces = new HashSet<string> { "IChat", "IModel" },
            Statistics = new SiloStatistics { ActivationCount = 7, CpuUsage = 0.25, Accelerators = [new AcceleratorInfo("H100", 100, 40)] },
        };

        await a.PublishAsync(infoA);
        await b.PublishAsync(new SiloInfo { Address = new("127.0.0.1", 2, 1), Name = "b" });
        await a.View!.RefreshAsync();

        Assert.Equal(2, a.Current.ActiveSilos.Count);
        Assert.True(b.Current.TryGet(infoA.Address, out var seen));
        Assert.True(seen.Hosts("IModel"));
        Assert.Equal(7, seen.Statistics.ActivationCount);
        Assert.Equal(0.25, seen.Statistics.CpuUsage, 3);
        Assert.Equal(new AcceleratorInfo("H100", 100, 40), Assert.Single(seen.Statistics.Accelerators));

        await a.PublishAsync(infoA with { Statistics = infoA.Statistics with { ActivationCount = 9 } });
        await b.View!.RefreshAsync();
        Assert.True(b.Current.TryGet(infoA.Address, out seen));
        Assert.Equal(9, seen.Statistics.ActivationCount);

        await a.LeaveAsync(infoA.Address);
        await b.View!.RefreshAsync();
        Assert.False(b.Current.IsActive(infoA.Address));
    }

    [Fact]
    public async Task Current_SiloOfAnotherWireProtocol_KeptInSilosButNotActive()
    {
        var (a, old) = TwoServices();
        await using var disposeA = a;
        await using var disposeOld = old;

        await a.PublishAsync(new SiloInfo { Address = new("127.0.0.1", 1, 1), Name = "a" });
        await old.PublishAsync(new SiloInfo { Address = new("127.0.0.1", 2, 1), Name = "old", WireProtocol = 0 });
        await a.View!.RefreshAsync();

        Assert.True(a.Current.TryGet(new("127.0.0.1", 2, 1), out var seen));
        Assert.Equal(0, seen.WireProtocol);
        Assert.Equal(SiloStatus.Active, seen.Status);
        Assert.False(a.Current.IsActive(seen.Address));
        Assert.Equal("a", Assert.Single(a.Current.ActiveSilos).Name);
    }

    /// <summary>Services of silos 127.0.0.1:1 and :2 over one in-memory table, a fake network and a fake clock.</summary>
    private static (MembershipProtocolService First, MembershipProtocolService Second) TwoServices()
    {
        var table = new InMemoryMembershipTable();
        var network = new FakeNetwork();
        var time = new FakeTimeProvider();
        var options = Options.Create(new MembershipOptions());
        return (
            new MembershipProtocolService(table, network.From(new("127.0.0.1", 1, 1)), options, time),
            new MembershipProtocolService(table, network.From(new("127.0.0.1", 2, 1)), options, time));
    }
}
