using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Streams.Redis;

namespace DistInfer.Runtime.Tests.RedisStreams;

public sealed class RedisStreamQueueMappingTests
{
    [Fact]
    public void GetQueueIndex_ManyStreams_StableAndSpreadOverAllQueues()
    {
        var mapper = new RedisStreamQueueMapper("distinfer", "redis", 8);
        var again = new RedisStreamQueueMapper("distinfer", "redis", 8);

        var counts = new int[8];
        for (var i = 0; i < 8000; i++)
        {
            var stream = $"chat/{i}";
            var queue = mapper.GetQueueIndex(stream);
            Assert.Equal(queue, again.GetQueueIndex(stream));
            counts[queue]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
        Assert.Equal("distinfer:{redis-3}:stream", mapper.GetQueueKey(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapper.GetQueueKey(8));
    }

    [Fact]
    public void GetOwnedQueues_ThreeActiveSilos_EveryQueueHasExactlyOneOwner()
    {
        var snapshot = Snapshot(Silo(1), Silo(2), Silo(3));

        var owned = new[] { Silo(1), Silo(2), Silo(3) }
            .SelectMany(s => RedisStreamQueueBalancer.GetOwnedQueues(snapshot, s, 32))
            .ToList();

        Assert.Equal(Enumerable.Range(0, 32), owned.Order());
        Assert.All(new[] { Silo(1), Silo(2), Silo(3) }, s => Assert.NotEmpty(RedisStreamQueueBalancer.GetOwnedQueues(snapshot, s, 32)));
    }

    [Fact]
    public void GetOwner_SiloDies_OnlyItsQueuesMove()
    {
        var before = Snapshot(Silo(1), Silo(2), Silo(3));
        var after = Snapshot(Silo(1), Silo(2), Silo(3), dead: Silo(3));

        for (var queue = 0; queue < 64; queue++)
        {
            var oldOwner = RedisStreamQueueBalancer.GetOwner(before, queue);
            var newOwner = RedisStreamQueueBalancer.GetOwner(after, queue);
            Assert.NotEqual(Silo(3), newOwner);
            if (oldOwner != Silo(3))
            {
                Assert.Equal(oldOwner, newOwner);
            }
        }

        Assert.Empty(RedisStreamQueueBalancer.GetOwnedQueues(after, Silo(3), 64));
        Assert.Null(RedisStreamQueueBalancer.GetOwner(MembershipSnapshot.Empty, 0));
    }

    private static SiloAddress Silo(int port) => new("10.0.0.1", port, 1);

    private static MembershipSnapshot Snapshot(SiloAddress a, SiloAddress b, SiloAddress c, SiloAddress? dead = null) =>
        new(1, new TableVersion(1, "1"), new[] { a, b, c }.ToDictionary(
            s => s,
            s => new MembershipEntry { SiloAddress = s, Status = s == dead ? SiloStatus.Dead : SiloStatus.Active }));
}
