using DistInfer.Runtime.Streams;
using DistInfer.Runtime.Streams.Redis;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace DistInfer.Runtime.Tests.RedisStreams;

/// <summary>The redis stream provider while Redis (appendonly yes) restarts under a running cluster.</summary>
public sealed class RedisStreamProviderRestartTests(AppendOnlyRedisServerFixture redis) : IClassFixture<AppendOnlyRedisServerFixture>
{
    [Fact]
    public async Task RedisRestarted_ClusterCarriesOn_SubscriptionKeptAndLaterItemsDelivered()
    {
        var prefix = "t" + Guid.NewGuid().ToString("N");
        await using var cluster = await TestCluster.StartAsync(2, services: (_, s) => s.AddRedisStreams("redis", o =>
        {
            o.ConnectionString = redis.Configuration;
            o.KeyPrefix = prefix;
            o.PollInterval = TimeSpan.FromMilliseconds(10);
            o.DeliveryRetryDelay = TimeSpan.FromMilliseconds(10);
        }));
        var key = Signals.Unique("consumer");
        var consumer = cluster.Silos[1].GrainFactory.GetGrain<IRedisStreamConsumerGrain>(key);
        await consumer.Subscribe();
        var stream = cluster.Silos[0].GetStreamProvider("redis").GetStream<int>(StreamId.Create(RedisStreamConsumerGrain.Namespace, key));
        await stream.OnNextAsync(1);
        await RedisStreamLog.WaitForCountAsync(key, 1);

        var connection = await cluster.Silos[0].Services.GetRequiredKeyedService<RedisStreamProviderRuntime>("redis").GetConnectionAsync();
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                restored.TrySetResult();
            }
        };
        await redis.RestartAsync();
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stream.OnNextAsync(2);
        await stream.OnNextAsync(3);

        // An ack lost in the restart redelivers item 1; the observer drops it (at or before its last item).
        await RedisStreamLog.WaitForCountAsync(key, 3);
        Assert.Equal([1, 2, 3], RedisStreamLog.Items(key));
    }
}
