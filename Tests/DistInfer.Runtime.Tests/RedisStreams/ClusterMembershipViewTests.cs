using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Streams.Redis;

namespace DistInfer.Runtime.Tests.RedisStreams;

public sealed class ClusterMembershipViewTests
{
    private const int Queues = 16;

    [Fact]
    public async Task CurrentSnapshot_SiloOfAnotherWireProtocol_OwnsNoQueues()
    {
        var membership = new InProcessClusterMembership();
        var current = new SiloAddress("127.0.0.1", 1, 1);
        var older = new SiloAddress("127.0.0.1", 2, 1);
        await membership.PublishAsync(new SiloInfo { Address = current, Name = "current" });
        await membership.PublishAsync(new SiloInfo { Address = older, Name = "older", WireProtocol = 0 });
        using var view = new ClusterMembershipView(membership);

        Assert.Empty(RedisStreamQueueBalancer.GetOwnedQueues(view.CurrentSnapshot, older, Queues));
        Assert.Equal(Queues, RedisStreamQueueBalancer.GetOwnedQueues(view.CurrentSnapshot, current, Queues).Count);
    }
}
