using System.Collections.Concurrent;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Streams.Redis;
using DistInfer.Runtime.Tests.Infrastructure;
using DistInfer.Runtime.Tests.ClusterMembership;

namespace DistInfer.Runtime.Tests.RedisStreams;

/// <summary>Queue ownership following membership (fake clock) over real Redis streams.</summary>
public sealed class RedisStreamPullingAgentTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PullingAgents_SiloDiesWhileHoldingEntries_SurvivorTakesItsQueuesAndNothingIsLost()
    {
        await using var cluster = new AgentTestCluster();
        var a = await cluster.StartSiloAsync(AgentTestCluster.Silo(1));
        var b = await cluster.StartSiloAsync(AgentTestCluster.Silo(2));
        await a.RefreshAsync();
        using var connection = await RedisTestConnection.OpenAsync(redis);
        var mapper = new RedisStreamQueueMapper("distinfer", "p" + Guid.NewGuid().ToString("N"), 8);
        var options = new RedisStreamPullingOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(10),
            ClaimMinIdle = TimeSpan.FromMilliseconds(200),
            ClaimInterval = TimeSpan.FromMilliseconds(50),
        };
        var received = new ConcurrentDictionary<int, int>();
        var expected = 0;
        var allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blockB = false;
        var bBlocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Task Record(RedisStreamEntry entry)
        {
            received.AddOrUpdate(BitConverter.ToInt32(entry.Payload.Span), 1, (_, n) => n + 1);
            if (received.Count >= Volatile.Read(ref expected))
            {
                allReceived.TrySetResult();
            }

            return Task.CompletedTask;
        }

        async Task HandleOnB(RedisStreamEntry entry, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref blockB))
            {
                bBlocked.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            await Record(entry);
        }

        await using var pullA = new RedisStreamPullingAgent(a, a.LocalSilo, connection.Multiplexer, mapper, options, (e, _) => Record(e));
        var pullB = new RedisStreamPullingAgent(b, b.LocalSilo, connection.Multiplexer, mapper, options, HandleOnB);
        pullA.Start();
        pullB.Start();
        Assert.Equal(Enumerable.Range(0, 8), pullA.OwnedQueues.Concat(pullB.OwnedQueues).Order());
        Assert.NotEmpty(pullB.OwnedQueues);

        await ProduceAsync(pullA, 0, 100);
        Volatile.Write(ref expected, 100);
        await allReceived.Task.WaitAsync(Patience);

        // Silo 2 stalls on its next entry, then dies holding everything it had read.
        Volatile.Write(ref blockB, true);
        allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref expected, 200);
        await ProduceAsync(pullA, 100, 100);
        await bBlocked.Task.WaitAsync(Patience);
        await pullB.DisposeAsync();
        await cluster.KillAsync(b);
        await cluster.AdvanceUntilAsync(() => a.CurrentSnapshot.GetSiloStatus(b.LocalSilo) == SiloStatus.Dead, TimeSpan.FromSeconds(10));

        await allReceived.Task.WaitAsync(Patience);
        Assert.Equal(Enumerable.Range(0, 8), pullA.OwnedQueues);
        Assert.Equal(Enumerable.Range(0, 200), received.Keys.Order());
    }

    private static async Task ProduceAsync(RedisStreamPullingAgent agent, int first, int count)
    {
        for (var i = first; i < first + count; i++)
        {
            await agent.QueueFor($"chat/{i % 20}").AddAsync(BitConverter.GetBytes(i), $"chat/{i % 20}");
        }
    }
}
