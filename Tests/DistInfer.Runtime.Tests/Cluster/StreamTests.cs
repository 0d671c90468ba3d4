using DistInfer.Runtime.Streams;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Cluster;

/// <summary>Memory streams across two silos: producer on silo 0, consumers activated on silo 1.</summary>
public sealed class StreamTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(2, services: (_, s) => s.AddMemoryStreams("memory"));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IStreamProvider Producer => _cluster.Silos[0].GetStreamProvider("memory");

    [Fact]
    public async Task ExplicitSubscription_ManyItemsNotAwaitedOneByOne_ArriveInOrder()
    {
        var key = await SubscribedConsumerAsync();
        var stream = Producer.GetStream<int>(StreamId.Create("explicit", key));
        await Task.WhenAll(Enumerable.Range(0, 200).Select(stream.OnNextAsync).ToArray());
        Assert.Equal(Enumerable.Range(0, 200).ToArray(), StreamLog.Received(key));
    }

    [Fact]
    public async Task OnNextAsync_ConsumerHasNotTakenItem_DoesNotComplete()
    {
        var key = await SubscribedConsumerAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        StreamLog.Gates[key + "/1"] = gate;
        var stream = Producer.GetStream<int>(StreamId.Create("explicit", key));
        var sent = stream.OnNextAsync(1);
        await Signals.WaitAsync($"{key}-entered-1");
        Assert.False(sent.IsCompleted);
        gate.SetResult();
        await sent;
        Assert.Equal([1], StreamLog.Received(key));
    }

    [Fact]
    public async Task ExplicitSubscription_ConsumerReactivated_HandleResumes()
    {
        var key = await SubscribedConsumerAsync();
        var stream = Producer.GetStream<int>(StreamId.Create("explicit", key));
        await stream.OnNextAsync(1);
        await _cluster.Silos[1].GrainFactory.GetGrain<IStreamConsumerGrain>(key).Deactivate();
        await Eventually.TrueAsync(() => !IsActive(key), "consumer deactivated");
        await stream.OnNextAsync(2);
        Assert.Equal([1, 2], StreamLog.Received(key));
    }

    [Fact]
    public async Task ImplicitSubscription_ByNamespace_ActivatesAndDelivers()
    {
        var key = Signals.Unique("imp");
        var stream = _cluster.Silos[1].GetStreamProvider("memory").GetStream<int>(StreamId.Create("implicit", key));
        await stream.OnNextAsync(7);
        await stream.OnNextAsync(8);
        Assert.Equal([7, 8], StreamLog.Received("implicit-" + key));
    }

    [Fact]
    public async Task ImplicitOnlyNamespace_ItemsFromAGrainFactory_ArriveInOrderWithoutARendezvousGrain()
    {
        var key = Signals.Unique("only");
        var stream = _cluster.Silos[0].GrainFactory.GetMemoryStreamProvider("memory").GetStream<int>(StreamId.Create(ImplicitOnlyConsumerGrain.Namespace, key));
        await Task.WhenAll(Enumerable.Range(0, 50).Select(stream.OnNextAsync).ToArray());

        Assert.Equal(Enumerable.Range(0, 50).ToArray(), StreamLog.Received(ImplicitOnlyConsumerGrain.Namespace + "-" + key));
        var rendezvous = _cluster.Silos[0].GrainFactory.GetGrain<IPubSubRendezvousGrain>($"memory/{ImplicitOnlyConsumerGrain.Namespace}/{key}").GetGrainId();
        Assert.All(_cluster.Silos, silo => Assert.False(silo.Catalog.TryGetLocal(rendezvous, out _), $"{silo.Address} activated the stream's rendezvous grain"));
    }

    [Fact]
    public async Task OnNextAsync_LargeItemsFromBothSilos_EachArrivesIntact()
    {
        // Large items travel in pooled memory that goes back once delivered: the next item reuses it, and neither
        // the local nor the remote consumer may see one item's bytes in another.
        var key = Signals.Unique("large");
        var items = Enumerable.Range(0, 6).Select(i => PayloadChecksum.RandomBytes(300_000 + (i * 4096), seed: i)).ToArray();
        for (var i = 0; i < items.Length; i += 2)
        {
            await Task.WhenAll(
                _cluster.Silos[0].GrainFactory.GetMemoryStreamProvider("memory").GetStream<byte[]>(StreamId.Create(LargeItemConsumerGrain.Namespace, key)).OnNextAsync(items[i]),
                _cluster.Silos[1].GrainFactory.GetMemoryStreamProvider("memory").GetStream<byte[]>(StreamId.Create(LargeItemConsumerGrain.Namespace, key)).OnNextAsync(items[i + 1]));
        }

        Assert.Equal(items.Select(LargeItemConsumerGrain.Checksum).Order(), StreamLog.Received(LargeItemConsumerGrain.Namespace + "-" + key).Order());
    }

    [Fact]
    public async Task OnNextAsync_DeliveryTimedOutWhileQueued_ItemStillArrivesIntactLater()
    {
        // A delivery that timed out may still wait in its consumer's queue: its pooled bytes must not go back to the
        // pool (where the next item would overwrite them) before the consumer reads them.
        await using var cluster = await TestCluster.StartAsync(1, (_, o) => o.Messaging.ResponseTimeout = TimeSpan.FromSeconds(1), (_, s) => s.AddMemoryStreams("memory"));
        var key = Signals.Unique("late");
        var log = LargeItemConsumerGrain.Namespace + "-" + key;
        var items = Enumerable.Range(0, 3).Select(i => PayloadChecksum.RandomBytes(200_000, seed: 10 + i)).ToArray();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        StreamLog.Gates[log + "/" + LargeItemConsumerGrain.Checksum(items[0])] = gate;
        var stream = cluster.Silos[0].GrainFactory.GetMemoryStreamProvider("memory").GetStream<byte[]>(StreamId.Create(LargeItemConsumerGrain.Namespace, key));

        // The first item holds the consumer; the second's delivery waits behind it and times out; the third comes next.
        var sent = items.Select(stream.OnNextAsync).ToArray();
        await Assert.ThrowsAsync<TimeoutException>(() => sent[1]);
        gate.SetResult();
        await Eventually.TrueAsync(() => StreamLog.Received(log).Length == 3, "all three items recorded");

        Assert.Equal(items.Select(LargeItemConsumerGrain.Checksum), StreamLog.Received(log));
    }

    [Fact]
    public async Task OnNextSharedAsync_ImmutableItem_ConsumerOnTheSameSiloGetsTheObjectOthersACopy()
    {
        // [Immutable] items are not serialized for a consumer in the producer's silo (a step's logits cross that hop
        // uncopied); a consumer elsewhere gets the same values through the wire.
        var key = Signals.Unique("shared");
        var home = await _cluster.Silos[0].GrainFactory.GetGrain<ISharedItemConsumerGrain>(key).WhereAmI();
        var local = _cluster.Silos.Single(s => s.Address.ToString() == home);
        var remote = _cluster.Silos.Single(s => s.Address.ToString() != home);
        var items = new[] { 1, 2, 3, 4 }.Select(i => SharedItem.Create([.. Enumerable.Range(0, 100_000).Select(v => (float)(v * i))])).ToArray();

        var shared = new List<bool>();
        foreach (var (item, silo) in items.Zip(new[] { local, remote, local, remote }))
        {
            var stream = silo.GrainFactory.GetMemoryStreamProvider("memory").GetStream<SharedItem>(StreamId.Create(SharedItemConsumerGrain.Namespace, key));
            shared.Add(await stream.OnNextSharedAsync(item));
        }

        Assert.Equal([items[0].Id, -items[1].Id, items[2].Id, -items[3].Id], StreamLog.Received(SharedItemConsumerGrain.Namespace + "-" + key));
        Assert.Equal([true, false, true, false], shared);
    }

    private bool IsActive(string key) =>
        _cluster.Silos[1].Catalog.TryGetLocal(_cluster.Silos[1].GrainFactory.GetGrain<IStreamConsumerGrain>(key).GetGrainId(), out _);

    private async Task<string> SubscribedConsumerAsync()
    {
        var key = Signals.Unique("consumer");
        var consumer = _cluster.Silos[1].GrainFactory.GetGrain<IStreamConsumerGrain>(key);
        await consumer.Subscribe();
        Assert.Equal(_cluster.Silos[1].Address.ToString(), await consumer.WhereAmI());
        return key;
    }
}
