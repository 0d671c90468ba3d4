using DistInfer.Runtime.Streams.Redis;
using DistInfer.Runtime.Tests.Infrastructure;
using StackExchange.Redis;

namespace DistInfer.Runtime.Tests.RedisStreams;

public sealed class RedisStreamQueueTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private RedisTestConnection? _connection;

    private ConnectionMultiplexer Connection => _connection?.Multiplexer ?? throw new InvalidOperationException("not initialized");

    public async Task InitializeAsync() => _connection = await RedisTestConnection.OpenAsync(redis);

    public Task DisposeAsync()
    {
        _connection?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task RunAsync_ItemsAdded_DeliveredInOrderWithExactBytesAndAcked()
    {
        var queue = NewQueue();
        var payloads = Enumerable.Range(0, 200).Select(Payload).ToArray();
        var tokens = new List<RedisStreamSequenceToken>();
        foreach (var payload in payloads)
        {
            tokens.Add(await queue.AddAsync(payload));
        }

        await using var consumer = new StreamTestConsumer(queue, "c1");
        await consumer.WaitForAsync(payloads.Length);

        var received = consumer.Received;
        Assert.Equal(tokens, received.Select(e => e.Token));
        Assert.Equal(tokens.Order(), tokens);
        for (var i = 0; i < payloads.Length; i++)
        {
            Assert.Equal(payloads[i], received[i].Payload.ToArray());
        }

        await consumer.DisposeAsync();
        Assert.Equal(0, await queue.PendingCountAsync());
    }

    [Fact]
    public async Task ClaimIdle_ConsumerTookEntriesAndDied_AnotherConsumerGetsEverything()
    {
        var queue = NewQueue();
        await queue.EnsureGroupAsync(RedisStreamSequenceToken.Zero);
        var tokens = await AddAsync(queue, 30);
        var taken = await queue.ReadNewAsync("dead", 10);
        Assert.Equal(tokens.Take(10), taken.Select(e => e.Token));

        await using var survivor = new StreamTestConsumer(queue, "survivor", claimMinIdle: TimeSpan.Zero);
        await survivor.WaitForAsync(30);

        Assert.Equal(tokens, survivor.Received.Select(e => e.Token));
        await survivor.DisposeAsync();
        Assert.Equal(0, await queue.PendingCountAsync());
    }

    [Fact]
    public async Task RunAsync_HandlerCrashesMidStream_NothingLostAfterTakeover()
    {
        var queue = NewQueue();
        var tokens = await AddAsync(queue, 40);
        var crashAt = tokens[17];

        await using var crashing = new StreamTestConsumer(queue, "crashing", crashBefore: e => e.Token == crashAt);
        await Assert.ThrowsAsync<InvalidOperationException>(() => crashing.Run);
        await using var survivor = new StreamTestConsumer(queue, "survivor", claimMinIdle: TimeSpan.Zero);
        await survivor.WaitForAsync(40 - 17);

        Assert.Equal(tokens.Take(17), crashing.Received.Select(e => e.Token));
        Assert.Equal(tokens.Skip(17), survivor.Received.Select(e => e.Token));
    }

    [Fact]
    public async Task RunAsync_SameConsumerRestarted_GetsItsPendingEntriesFirst()
    {
        var queue = NewQueue();
        await queue.EnsureGroupAsync(RedisStreamSequenceToken.Zero);
        var tokens = await AddAsync(queue, 12);
        Assert.Equal(5, (await queue.ReadNewAsync("worker-1", 5)).Count);

        await using var restarted = new StreamTestConsumer(queue, "worker-1");
        await restarted.WaitForAsync(12);

        Assert.Equal(tokens, restarted.Received.Select(e => e.Token));
    }

    [Fact]
    public async Task RunAsync_RewindFromToken_RedeliversFromThereThenContinuesWithoutDuplicates()
    {
        var queue = NewQueue();
        var tokens = await AddAsync(queue, 20);
        await using (var first = new StreamTestConsumer(queue, "c1"))
        {
            await first.WaitForAsync(20);
        }

        await using var rewound = new StreamTestConsumer(queue, "c2", rewindFrom: tokens[10]);
        await rewound.WaitForAsync(10);
        tokens.AddRange(await AddAsync(queue, 5));
        await rewound.WaitForAsync(15);

        Assert.Equal(tokens.Skip(10), rewound.Received.Select(e => e.Token));
        Assert.Equal(tokens[^1], rewound.Consumer.LastDelivered);
    }

    [Fact]
    public async Task RunAsync_RewindBehindGroupPosition_GroupEntriesAlreadyRewoundAreAckedNotRedelivered()
    {
        var queue = NewQueue();
        await queue.EnsureGroupAsync(RedisStreamSequenceToken.Zero);
        var tokens = await AddAsync(queue, 10);

        await using var consumer = new StreamTestConsumer(queue, "c1", rewindFrom: tokens[4]);
        await consumer.WaitForAsync(6);
        tokens.AddRange(await AddAsync(queue, 3));
        await consumer.WaitForAsync(9);

        Assert.Equal(tokens.Skip(4), consumer.Received.Select(e => e.Token));
        await consumer.DisposeAsync();
        Assert.Equal(0, await queue.PendingCountAsync());
    }

    [Fact]
    public async Task AddAsync_LogicalStreamIds_ReadBackWithEachEntry()
    {
        var queue = NewQueue();
        await queue.EnsureGroupAsync(RedisStreamSequenceToken.Zero);
        await queue.AddAsync(new byte[] { 1 }, "chat/1");
        await queue.AddAsync(new byte[] { 2 }, "chat/2");
        await queue.AddAsync(new byte[] { 3 });

        var entries = await queue.ReadNewAsync("c1");

        Assert.Equal(["chat/1", "chat/2", ""], entries.Select(e => e.StreamId));
        Assert.Equal([1, 2, 3], entries.Select(e => e.Payload.Span[0]));
        Assert.Equal(entries.Select(e => e.StreamId), (await queue.RangeAsync(RedisStreamSequenceToken.Zero)).Select(e => e.StreamId));
    }

    [Fact]
    public async Task ReadPendingAsync_PendingEntriesTrimmedAway_DroppedFromPendingList()
    {
        var queue = NewQueue(maxLength: 10);
        await queue.EnsureGroupAsync(RedisStreamSequenceToken.Zero);
        await AddAsync(queue, 10);
        Assert.Equal(7, (await queue.ReadNewAsync("w1")).Count);
        await AddAsync(queue, 500);
        Assert.Equal(7, await queue.PendingCountAsync());

        var pending = await queue.ReadPendingAsync("w1");

        Assert.Empty(pending);
        Assert.Equal(0, await queue.PendingCountAsync());
    }

    [Fact]
    public async Task AddAsync_MaxLength_TrimsOldEntriesApproximately()
    {
        var queue = NewQueue(maxLength: 10);
        await AddAsync(queue, 1000);

        var length = await queue.LengthAsync();

        Assert.InRange(length, 10, 999);
    }

    private RedisStreamQueue NewQueue(long maxLength = 1_000_000) => new(Connection, new RedisStreamQueueOptions
    {
        StreamKey = "distinfer:{test}:stream:" + Guid.NewGuid().ToString("N"),
        MaxLength = maxLength,
        ReadBatchSize = 7,
    });

    private static async Task<List<RedisStreamSequenceToken>> AddAsync(RedisStreamQueue queue, int count)
    {
        var tokens = new List<RedisStreamSequenceToken>(count);
        for (var i = 0; i < count; i++)
        {
            tokens.Add(await queue.AddAsync(Payload(i)));
        }

        return tokens;
    }

    private static byte[] Payload(int i) => [.. Enumerable.Range(0, 1 + (i % 300)).Select(b => (byte)((b + i) % 256))];
}
