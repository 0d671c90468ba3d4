using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Streams.Redis;
using DistInfer.Runtime.Tests.Infrastructure;
using static DistInfer.Runtime.Tests.ClusterMembership.MembershipTestData;

namespace DistInfer.Runtime.Tests.RedisStreams;

/// <summary>
/// A queue given up and owned again at once (membership flapping): the new consumer, under the same consumer name, read
/// the entry the stopped one was still handling from the pending list and handled it a second time beside it.
/// </summary>
public sealed class RedisStreamOwnershipFlipTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Rebalance_QueueLostAndRegainedWhileItsHandlerRuns_NoSecondHandlerBesideIt()
    {
        using var connection = await RedisTestConnection.OpenAsync(redis);
        var self = Silo(1);
        var alone = Snapshot(self);
        var shared = Enumerable.Range(2, 50).Select(p => Snapshot(self, Silo(p))).First(s => RedisStreamQueueBalancer.GetOwnedQueues(s, self, 1).Count == 0);
        var view = new FlippingView(alone);
        var mapper = new RedisStreamQueueMapper("distinfer", "flip" + Guid.NewGuid().ToString("N"), 1);
        var options = new RedisStreamPullingOptions { PollInterval = TimeSpan.FromMilliseconds(10), ClaimMinIdle = TimeSpan.FromMinutes(5) };
        var running = 0;
        var most = 0;
        var calls = 0;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task Handle(RedisStreamEntry entry, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            try
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    first.TrySetResult();

                    // A handler that finishes its work whatever the stop signal says (as the fabric's do).
                    await release.Task;
                }
                else
                {
                    second.TrySetResult();
                }
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }

        await using var agent = new RedisStreamPullingAgent(view, self, connection.Multiplexer, mapper, options, Handle);
        agent.Start();
        await agent.QueueFor("s").AddAsync(BitConverter.GetBytes(7), "s");
        await first.Task.WaitAsync(TimeSpan.FromSeconds(30));

        view.Publish(shared);
        Assert.Empty(agent.OwnedQueues);
        view.Publish(alone);
        Assert.Equal([0], agent.OwnedQueues);

        // Without the wait for the stopped consumer the second handler starts within a poll (10 ms): half a second shows it.
        await Task.WhenAny(second.Task, Task.Delay(500));
        release.TrySetResult();

        Assert.Equal(1, Volatile.Read(ref most));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    private static MembershipSnapshot Snapshot(params SiloAddress[] active) =>
        new(active.Length, new TableVersion(active.Length, ""), active.ToDictionary(s => s, s => Entry(s, SiloStatus.Active)));

    private sealed class FlippingView(MembershipSnapshot initial) : IMembershipView
    {
        public MembershipSnapshot CurrentSnapshot { get; private set; } = initial;

        public event Action<MembershipUpdate>? MembershipChanged;

        public void Publish(MembershipSnapshot snapshot)
        {
            CurrentSnapshot = snapshot;
            MembershipChanged?.Invoke(new MembershipUpdate(snapshot, []));
        }

        public async IAsyncEnumerable<MembershipUpdate> WatchAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return new MembershipUpdate(CurrentSnapshot, []);
            await Task.CompletedTask;
        }

        public Task RefreshAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
