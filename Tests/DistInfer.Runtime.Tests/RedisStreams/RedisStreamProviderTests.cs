using System.Net;
using System.Net.Sockets;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Streams;
using DistInfer.Runtime.Streams.Redis;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Runtime.Tests.RedisStreams;

/// <summary>The redis stream provider end to end: three in-process silos, a real redis-server, grain consumers.</summary>
public sealed class RedisStreamProviderTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N");
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(3, services: (_, s) => s.AddRedisStreams("redis", Configure));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IStreamProvider Producer => _cluster.Silos[0].GetStreamProvider("redis");

    [Fact]
    public async Task ExplicitSubscription_ManyItemsNotAwaitedOneByOne_ArriveInOrderAndAreAcked()
    {
        var key = await SubscribedConsumerAsync(_cluster.Silos[1]);
        var stream = Producer.GetStream<int>(StreamId.Create(RedisStreamConsumerGrain.Namespace, key));
        await Task.WhenAll(Enumerable.Range(0, 200).Select(stream.OnNextAsync).ToArray());
        await RedisStreamLog.WaitForCountAsync(key, 200);
        Assert.Equal(Enumerable.Range(0, 200).ToArray(), RedisStreamLog.Items(key));
        var tokens = RedisStreamLog.Received(key).Select(d => d.Token).ToArray();
        Assert.Equal(tokens.Order().ToArray(), tokens);
        var queue = await QueueOfAsync(RedisStreamConsumerGrain.Namespace, key);
        Assert.Equal(200, await queue.LengthAsync());
        while (await queue.PendingCountAsync() > 0)
        {
            // The last ack goes out right after the consumer's turn; wait for it, not for time.
            await Task.Yield();
        }
    }

    [Fact]
    public async Task ManyStreamsSharingQueues_ItemsInterleaved_EachStreamArrivesInOrder()
    {
        var keys = new string[12];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = await SubscribedConsumerAsync(_cluster.Silos[1 + (i % 2)]);
        }

        var streams = keys.Select(k => Producer.GetStream<int>(StreamId.Create(RedisStreamConsumerGrain.Namespace, k))).ToArray();
        var sends = new List<Task>();
        for (var item = 0; item < 30; item++)
        {
            foreach (var stream in streams)
            {
                sends.Add(stream.OnNextAsync(item));
            }
        }

        await Task.WhenAll(sends);
        foreach (var key in keys)
        {
            await RedisStreamLog.WaitForCountAsync(key, 30);
            Assert.Equal(Enumerable.Range(0, 30).ToArray(), RedisStreamLog.Items(key));
        }
    }

    [Fact]
    public async Task ExplicitSubscription_ConsumerDeactivated_ReactivatesAndResumesItsHandle()
    {
        var key = await SubscribedConsumerAsync(_cluster.Silos[1]);
        var stream = Producer.GetStream<int>(StreamId.Create(RedisStreamConsumerGrain.Namespace, key));
        await stream.OnNextAsync(1);
        await RedisStreamLog.WaitForCountAsync(key, 1);
        await _cluster.Silos[1].GrainFactory.GetGrain<IRedisStreamConsumerGrain>(key).Deactivate();
        await Eventually.TrueAsync(() => !IsActive(_cluster.Silos[1], key), "consumer deactivated");
        await stream.OnNextAsync(2);
        await RedisStreamLog.WaitForCountAsync(key, 2);
        Assert.Equal([1, 2], RedisStreamLog.Items(key));
    }

    [Fact]
    public async Task Unsubscribe_RemovesTheStoredSubscription()
    {
        var key = await SubscribedConsumerAsync(_cluster.Silos[1]);
        var consumer = _cluster.Silos[1].GrainFactory.GetGrain<IRedisStreamConsumerGrain>(key);
        await consumer.Subscribe();
        Assert.Equal(0, await consumer.UnsubscribeAll());
    }

    [Fact]
    public async Task ImplicitSubscription_ProducerIsClusterClient_ActivatesConsumerByNamespaceAndDelivers()
    {
        var client = await _cluster.ConnectClientAsync(s => s.AddRedisStreams("redis", Configure));
        var key = Signals.Unique("implicit");
        var stream = client.GetStreamProvider("redis").GetStream<int>(StreamId.Create(RedisImplicitConsumerGrain.Namespace, key));
        Assert.IsType<RedisStreamProvider>(client.GetStreamProvider("redis"));
        // Not awaited one by one, starting before the client's Redis connection is open: order still holds.
        await Task.WhenAll(Enumerable.Range(1, 50).Select(stream.OnNextAsync).ToArray());

        await RedisStreamLog.WaitForCountAsync(key, 50);
        Assert.Equal(Enumerable.Range(1, 50).ToArray(), RedisStreamLog.Items(key));
    }

    [Fact]
    public async Task ConsumerThrows_GivenUpAfterRetriesWhileOtherStreamsFlow_ResumeFromLastTokenLosesNothing()
    {
        var failing = await SubscribedConsumerAsync(_cluster.Silos[1]);
        var healthy = await SubscribedConsumerAsync(_cluster.Silos[2]);
        RedisStreamLog.FailFrom[failing] = 3;
        var failingStream = Producer.GetStream<int>(StreamId.Create(RedisStreamConsumerGrain.Namespace, failing));
        var healthyStream = Producer.GetStream<int>(StreamId.Create(RedisStreamConsumerGrain.Namespace, healthy));
        for (var i = 1; i <= 5; i++)
        {
            await failingStream.OnNextAsync(i);
            await healthyStream.OnNextAsync(i);
        }

        await Signals.WaitAsync($"{failing}-attempt-5-{MaxAttempts}", 20_000);
        await RedisStreamLog.WaitForCountAsync(healthy, 5);
        Assert.Equal([1, 2, 3, 4, 5], RedisStreamLog.Items(healthy));
        Assert.Equal([1, 2], RedisStreamLog.Items(failing));

        RedisStreamLog.FailFrom.TryRemove(failing, out _);
        var consumer = _cluster.Silos[1].GrainFactory.GetGrain<IRedisStreamConsumerGrain>(failing);
        await consumer.ResumeFrom(RedisStreamLog.LastToken(failing)!);
        Assert.Equal([1, 2, 2, 3, 4, 5], RedisStreamLog.Items(failing));

        await failingStream.OnNextAsync(6);
        await RedisStreamLog.WaitForCountAsync(failing, 7);
        Assert.Equal([1, 2, 2, 3, 4, 5, 6], RedisStreamLog.Items(failing));
    }

    [Fact]
    public async Task ConsumerSiloStops_ConsumerReactivatesElsewhereFromLastToken_NothingLost()
    {
        var key = await SubscribedConsumerAsync(_cluster.Silos[2]);
        RedisStreamLog.ResumeFromLastToken[key] = true;
        var stream = Producer.GetStream<int>(StreamId.Create(RedisStreamConsumerGrain.Namespace, key));
        for (var i = 1; i <= 3; i++)
        {
            await stream.OnNextAsync(i);
        }

        await RedisStreamLog.WaitForCountAsync(key, 3);
        await _cluster.Silos[2].StopAsync();
        for (var i = 4; i <= 6; i++)
        {
            await stream.OnNextAsync(i);
        }

        // The new activation resumes from item 3's token (inclusive), then live delivery carries on.
        await RedisStreamLog.WaitForCountAsync(key, 7);
        Assert.Equal([1, 2, 3, 3, 4, 5, 6], RedisStreamLog.Items(key));
        var where = await _cluster.Silos[0].GrainFactory.GetGrain<IRedisStreamConsumerGrain>(key).WhereAmI();
        Assert.NotEqual(_cluster.Silos[2].Address.ToString(), where);
    }

    [Fact]
    public async Task QueueOwnerKilledWhileDelivering_SurvivorClaimsItsEntries_NothingLostAndOrderKept()
    {
        var streamId = StreamId.Create(RedisStreamConsumerGrain.Namespace, Signals.Unique("consumer"));
        var runtime = _cluster.Silos[0].Services.GetRequiredKeyedService<RedisStreamProviderRuntime>("redis");
        using var view = new ClusterMembershipView(_cluster.Membership);
        var ownerAddress = RedisStreamQueueBalancer.GetOwner(view.CurrentSnapshot, runtime.Mapper.GetQueueIndex(RedisStreamField.Format(streamId)));
        var owner = _cluster.Silos.Single(s => s.Address == ownerAddress);
        var consumerSilo = _cluster.Silos.First(s => s != owner);
        var producerSilo = _cluster.Silos.Last(s => s != owner);
        var key = streamId.Key;
        await consumerSilo.GrainFactory.GetGrain<IRedisStreamConsumerGrain>(key).Subscribe();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        RedisStreamLog.Gates[key + "/2"] = gate;
        var stream = producerSilo.GetStreamProvider("redis").GetStream<int>(streamId);
        for (var i = 1; i <= 3; i++)
        {
            await stream.OnNextAsync(i);
        }

        // The owner's agent is inside item 2's delivery (2 and 3 unacked) when it dies.
        await Signals.WaitAsync($"{key}-attempt-2-1");
        await owner.KillAsync();
        _cluster.Membership.Kill(owner.Address);
        gate.SetResult();
        await stream.OnNextAsync(4);

        await RedisStreamLog.WaitForCountAsync(key, 4);
        Assert.Equal([1, 2, 3, 4], RedisStreamLog.Items(key));
    }

    [Fact]
    public async Task ResumeFromOlderToken_Rewinds_RedeliversFromThereThenContinuesLive()
    {
        var key = await SubscribedConsumerAsync(_cluster.Silos[1]);
        var stream = Producer.GetStream<int>(StreamId.Create(RedisStreamConsumerGrain.Namespace, key));
        for (var i = 1; i <= 5; i++)
        {
            await stream.OnNextAsync(i);
        }

        await RedisStreamLog.WaitForCountAsync(key, 5);
        var second = RedisStreamLog.Received(key)[1].Token;
        await _cluster.Silos[1].GrainFactory.GetGrain<IRedisStreamConsumerGrain>(key).ResumeFrom(second);
        Assert.Equal([1, 2, 3, 4, 5, 2, 3, 4, 5], RedisStreamLog.Items(key));
        Assert.Equal(second, RedisStreamLog.Received(key)[5].Token);

        await stream.OnNextAsync(6);
        await RedisStreamLog.WaitForCountAsync(key, 10);
        Assert.Equal(6, RedisStreamLog.Items(key)[^1]);
    }

    [Fact]
    public async Task ItemThatDoesNotDeserialize_IsSkippedAfterRetries_LaterItemsOfTheStreamArrive()
    {
        var key = await SubscribedConsumerAsync(_cluster.Silos[1]);
        var streamId = StreamId.Create(RedisStreamConsumerGrain.Namespace, key);
        await (await QueueOfAsync(streamId.Namespace, key)).AddAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, RedisStreamField.Format(streamId));
        await Producer.GetStream<int>(streamId).OnNextAsync(42);
        await RedisStreamLog.WaitForCountAsync(key, 1);
        Assert.Equal([42], RedisStreamLog.Items(key));
    }

    [Fact]
    public async Task SiloStart_RedisUnreachable_FailsNamingTheEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var services = new ServiceCollection().AddDistInferSilo(o => o.ClusterId = "unreachable")
            .AddRedisStreams("redis", o =>
            {
                o.ConnectionString = $"127.0.0.1:{port}";
                o.ConnectTimeout = TimeSpan.FromSeconds(1);
            });
        await using var provider = services.BuildServiceProvider();
        var error = await Assert.ThrowsAsync<RedisStreamUnavailableException>(() => provider.GetRequiredService<Silo>().StartAsync());
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("'redis'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SiloStart_ConnectionStringWithUnknownOption_FailsNamingIt()
    {
        var services = new ServiceCollection().AddDistInferSilo(o => o.ClusterId = "bad-option")
            .AddRedisStreams("redis", o => o.ConnectionString = $"{redis.Configuration},bogusOption=1");
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetRequiredService<Silo>().StartAsync());

        Assert.Contains("'redis'", error.Message, StringComparison.Ordinal);
        Assert.Contains("bogusOption", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemoryProvider_SubscribeWithToken_ThrowsNotSupported()
    {
        await using var cluster = await TestCluster.StartAsync(1, services: (_, s) => s.AddMemoryStreams("memory"));
        var stream = cluster.Silos[0].GetStreamProvider("memory").GetStream<int>(StreamId.Create("x", "y"));
        await Assert.ThrowsAsync<NotSupportedException>(() => stream.SubscribeAsync(new DelegateObserver<int>((_, _) => Task.CompletedTask), new StreamSequenceToken(1)));
    }

    private const int MaxAttempts = 3;

    private void Configure(RedisStreamProviderOptions o)
    {
        o.ConnectionString = redis.Configuration;
        o.KeyPrefix = _prefix;
        o.QueueCount = 4;
        o.PollInterval = TimeSpan.FromMilliseconds(10);
        o.ClaimMinIdle = TimeSpan.FromMilliseconds(500);
        o.ClaimInterval = TimeSpan.FromMilliseconds(100);
        o.MaxDeliveryAttempts = MaxAttempts;
        o.DeliveryRetryDelay = TimeSpan.FromMilliseconds(10);
    }

    private Task<RedisStreamQueue> QueueOfAsync(string streamNamespace, string key) =>
        _cluster.Silos[0].Services.GetRequiredKeyedService<RedisStreamProviderRuntime>("redis")
            .QueueAsync(RedisStreamField.Format(StreamId.Create(streamNamespace, key)));

    private static bool IsActive(Silo silo, string key) =>
        silo.Catalog.TryGetLocal(silo.GrainFactory.GetGrain<IRedisStreamConsumerGrain>(key).GetGrainId(), out _);

    private static async Task<string> SubscribedConsumerAsync(Silo silo)
    {
        var key = Signals.Unique("consumer");
        var consumer = silo.GrainFactory.GetGrain<IRedisStreamConsumerGrain>(key);
        await consumer.Subscribe();
        Assert.Equal(silo.Address.ToString(), await consumer.WhereAmI());
        return key;
    }
}
