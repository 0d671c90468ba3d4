using DistInfer.Runtime.Activation;
using DistInfer.Runtime.Serialization;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// A stream of the redis provider. Producing appends to Redis; subscribing stores the subscription in Redis and
/// attaches the observer to the consumer grain. With a token, the subscribing call first redelivers the stream's
/// items from that token (XRANGE) inside the consumer's turn; the observer then skips any live delivery at or
/// before the last item it was given, so a resume neither loses nor repeats items after the token.
/// </summary>
internal sealed class RedisAsyncStream<T> : IAsyncStream<T>, ISubscribableStream<T>
{
    private readonly RedisStreamProviderRuntime _runtime;
    private readonly ActivationData? _consumer;
    private readonly string _field;

    public RedisAsyncStream(StreamId streamId, RedisStreamProviderRuntime runtime, ActivationData? consumer)
    {
        StreamId = streamId;
        _runtime = runtime;
        _consumer = consumer;
        _field = RedisStreamField.Format(streamId);
    }

    public StreamId StreamId { get; }

    public Task OnNextAsync(T item) => _runtime.AddAsync(_field, Serializer.SerializeToArray(item));

    public Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer) => SubscribeAsync(observer, null);

    public Task<StreamSubscriptionHandle<T>> SubscribeAsync(Func<T, StreamSequenceToken?, Task> onNext) =>
        SubscribeAsync(new DelegateObserver<T>(onNext), null);

    public async Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer, StreamSequenceToken? token)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var consumer = RequireConsumer();
        if (consumer.Instance is { } instance && ImplicitHandle(instance.GetType()) is { } implicitHandle)
        {
            await AttachAsync(consumer, implicitHandle, observer, token);
            return new StreamSubscriptionHandle<T>(this, implicitHandle);
        }

        var handle = new StreamSubscriptionHandle<T>(this, Guid.NewGuid());
        await _runtime.AddSubscriptionAsync(_field, new StreamSubscription(handle.HandleId, consumer.GrainId));
        await AttachAsync(consumer, handle.HandleId, observer, token);
        return handle;
    }

    public async Task<IList<StreamSubscriptionHandle<T>>> GetAllSubscriptionHandles()
    {
        var consumer = RequireConsumer();
        var handles = new List<StreamSubscriptionHandle<T>>();
        foreach (var subscription in await _runtime.GetSubscriptionsAsync(_field))
        {
            if (subscription.Consumer == consumer.GrainId)
            {
                handles.Add(new StreamSubscriptionHandle<T>(this, subscription.HandleId));
            }
        }

        return handles;
    }

    public async Task<StreamSubscriptionHandle<T>> ResumeAsync(StreamSubscriptionHandle<T> handle, IAsyncObserver<T> observer, StreamSequenceToken? token)
    {
        ArgumentNullException.ThrowIfNull(observer);
        await AttachAsync(RequireConsumer(), handle.HandleId, observer, token);
        return handle;
    }

    public async Task UnsubscribeAsync(StreamSubscriptionHandle<T> handle)
    {
        _consumer?.StreamConsumer.Detach(handle.HandleId);
        await _runtime.RemoveSubscriptionAsync(_field, handle.HandleId);
    }

    private async Task AttachAsync(ActivationData consumer, Guid handleId, IAsyncObserver<T> observer, StreamSequenceToken? from)
    {
        var delivered = new LastDelivered();
        consumer.StreamConsumer.Attach(handleId, (token, payload) => DeliverOnceAsync(delivered, observer, token, payload.Read<T>()));
        if (from is null)
        {
            return;
        }

        // Awaits stay on the consumer's scheduler: the observer runs as part of this turn.
        var queue = await _runtime.QueueAsync(_field);
        var cursor = RedisStreamSequenceToken.From(from);
        var exclusive = false;
        while (true)
        {
            var batch = await queue.RangeAsync(cursor, exclusive: exclusive);
            if (batch.Count == 0)
            {
                return;
            }

            foreach (var entry in batch)
            {
                if (entry.StreamId == _field && TryDeserialize(entry, out var item))
                {
                    await DeliverOnceAsync(delivered, observer, entry.Token.ToStreamSequenceToken(), item);
                }
            }

            cursor = batch[^1].Token;
            exclusive = true;
        }
    }

    private static async Task DeliverOnceAsync(LastDelivered delivered, IAsyncObserver<T> observer, StreamSequenceToken token, T item)
    {
        if (delivered.Token is { } last && token <= last)
        {
            return;
        }

        await observer.OnNextAsync(item, token);
        delivered.Token = token;
    }

    private bool TryDeserialize(RedisStreamEntry entry, out T item)
    {
        try
        {
            item = Serializer.Deserialize<T>(entry.Payload.Span);
            return true;
        }
        catch (SerializationException ex)
        {
            RedisStreamProviderLog.RewindUndeserializable(_runtime.Logger, _runtime.Name, StreamId.ToString(), entry.Token.ToString(), typeof(T).Name, ex);
            item = default!;
            return false;
        }
    }

    private Guid? ImplicitHandle(Type grainClass)
    {
        var wanted = StreamRuntime.ImplicitHandle(StreamId.Namespace, grainClass);
        foreach (var (_, handle) in _runtime.Streams.ImplicitSubscribers(StreamId.Namespace))
        {
            if (handle == wanted)
            {
                return handle;
            }
        }

        return null;
    }

    private ActivationData RequireConsumer() =>
        _consumer ?? throw new InvalidOperationException("Stream subscriptions are made from grain code (this.GetStreamProvider(name) inside a grain)");

    /// <summary>Per attached observer: the token of the last item it completed (redelivery filter).</summary>
    private sealed class LastDelivered
    {
        public StreamSequenceToken? Token { get; set; }
    }
}
