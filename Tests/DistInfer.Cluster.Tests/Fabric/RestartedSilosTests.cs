using DistInfer.Grains.Fabric;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;

namespace DistInfer.Cluster.Tests.Fabric;

public sealed class RestartedSilosTests
{
    [Fact]
    public void WithoutReplacedIncarnations_SiloRestartedTwiceOnItsEndpoint_ItsDeadIncarnationsLeftOutOtherDeadKept()
    {
        SiloInfo Silo(string name, int port, long generation, SiloStatus status) =>
            new() { Name = name, Address = new SiloAddress("127.0.0.1", port, generation), Status = status };
        var live = Silo("s2", 12002, 30, SiloStatus.Active);
        var otherDead = Silo("s1", 12001, 5, SiloStatus.Dead);
        var first = Silo("s0", 12000, 1, SiloStatus.Active);

        var listed = RestartedSilos.WithoutReplacedIncarnations(
            [Silo("s2", 12002, 10, SiloStatus.Dead), first, live, Silo("s2", 12002, 20, SiloStatus.Dead), otherDead]);

        Assert.Equal([first, live, otherDead], listed);
    }
}
