using DistInfer.Runtime.Activation;

namespace DistInfer.Runtime.Streams;

/// <summary>
/// Memory-provider stream over grain messaging: each item is serialized once (an [Immutable] one only if a consumer
/// is in another silo; see <see cref="StreamPayload"/>) and delivered to every subscriber
/// (explicit ones from the stream's rendezvous grain, implicit ones by namespace) through the consumer grain's
/// stream extension; the producer's task completes when all consumers took it.
/// </summary>
public sealed class AsyncStream<T> : IAsyncStream<T>, ISubscribableStream<T>
{
    private readonly string _provider;
    private readonly IGrainFactory _factory;
    private readonly StreamRuntime _runtime;
    private readonly ActivationData? _consumer;

    internal AsyncStream(string provider, StreamId streamId, IGrainFactory factory, StreamRuntime runtime, ActivationData? consumer)
    {
        _provider = provider;
        StreamId = streamId;
        _factory = factory;
        _runtime = runtime;
        _consumer = consumer;
    }

    public StreamId StreamId { get; }

    private IPubSubRendezvousGrain Rendezvous => _factory.GetGrain<IPubSubRendezvousGrain>($"{_provider}/{StreamId.Namespace}/{StreamId.Key}");

    public Task OnNextAsync(T item)
    {
        // Pooled: a step's logits or activations are large-object-heap sized, and every delivery reads them before
        // its call returns, so the memory can go back once the deliveries ended. An [Immutable] item is serialized
        // only for consumers in other silos (see StreamPayload).
        return Publish(StreamPayload.Of(item));
    }

    public async Task<bool> OnNextSharedAsync(T item)
    {
        var payload = StreamPayload.Of(item);
        await Publish(payload).ConfigureAwait(false);
        return payload.WasShared;
    }

    private Task Publish(StreamPayload payload) =>
        _runtime.QueueFor(_provider, StreamId).Enqueue(sequence => DeliverAndReleaseAsync(sequence, payload));

    public Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer, StreamSequenceToken? token) =>
        token is null ? SubscribeAsync(observer) : throw NoHistory();

    public async Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer)
    {
        var consumer = RequireConsumer();
        if (consumer.Instance is { } instance && IsImplicitlySubscribed(instance.GetType()))
        {
            var implicitHandle = new StreamSubscriptionHandle<T>(this, StreamRuntime.ImplicitHandle(StreamId.Namespace, instance.GetType()));
            Attach(consumer, implicitHandle.HandleId, observer);
            return implicitHandle;
        }

        if (_runtime.IsImplicitOnly(StreamId.Namespace))
        {
            throw new InvalidOperationException($"Stream namespace '{StreamId.Namespace}' is implicit-only: only its [ImplicitStreamSubscription] grain class can subscribe");
        }

        var handle = new StreamSubscriptionHandle<T>(this, Guid.NewGuid());
        Attach(consumer, handle.HandleId, observer);
        await Rendezvous.Subscribe(handle.HandleId, consumer.GrainId);
        return handle;
    }

    public Task<StreamSubscriptionHandle<T>> SubscribeAsync(Func<T, StreamSequenceToken?, Task> onNext) =>
        SubscribeAsync(new DelegateObserver<T>(onNext));

    public async Task<IList<StreamSubscriptionHandle<T>>> GetAllSubscriptionHandles()
    {
        var consumer = RequireConsumer();
        var handles = new List<StreamSubscriptionHandle<T>>();
        foreach (var subscription in await Rendezvous.GetSubscriptions())
        {
            if (subscription.Consumer == consumer.GrainId)
            {
                handles.Add(new StreamSubscriptionHandle<T>(this, subscription.HandleId));
            }
        }

        return handles;
    }

    Task<StreamSubscriptionHandle<T>> ISubscribableStream<T>.ResumeAsync(StreamSubscriptionHandle<T> handle, IAsyncObserver<T> observer, StreamSequenceToken? token)
    {
        if (token is not null)
        {
            throw NoHistory();
        }

        Attach(RequireConsumer(), handle.HandleId, observer);
        return Task.FromResult(handle);
    }

    async Task ISubscribableStream<T>.UnsubscribeAsync(StreamSubscriptionHandle<T> handle)
    {
        _consumer?.StreamConsumer.Detach(handle.HandleId);
        await Rendezvous.Unsubscribe(handle.HandleId);
    }

    private static void Attach(ActivationData consumer, Guid handleId, IAsyncObserver<T> observer) =>
        consumer.StreamConsumer.Attach(handleId, (token, payload) => observer.OnNextAsync(payload.Read<T>(), token));

    private bool IsImplicitlySubscribed(Type grainClass)
    {
        foreach (var (_, handle) in _runtime.ImplicitSubscribers(StreamId.Namespace))
        {
            if (handle == StreamRuntime.ImplicitHandle(StreamId.Namespace, grainClass))
            {
                return true;
            }
        }

        return false;
    }

    private ActivationData RequireConsumer() =>
        _consumer ?? throw new InvalidOperationException("Stream subscriptions are made from grain code (this.GetStreamProvider(name) inside a grain)");

    private static NotSupportedException NoHistory() =>
        new("The memory stream provider keeps no history, so it cannot resume or rewind from a token; use the redis provider (AddRedisStreams)");

    private async Task DeliverAndReleaseAsync(long sequence, StreamPayload payload)
    {
        await DeliverAsync(sequence, payload).ConfigureAwait(false);

        // Only once every delivery ended well: one that failed (timed out) may still wait in its consumer's queue,
        // so its memory is left to the GC instead.
        payload.Dispose();
    }

    private async Task DeliverAsync(long sequence, StreamPayload payload)
    {
        var token = new StreamSequenceToken(sequence);
        var implicitSubscribers = _runtime.ImplicitSubscribers(StreamId.Namespace);
        if (_runtime.IsImplicitOnly(StreamId.Namespace) && implicitSubscribers.Length == 1)
        {
            // The common implicit-only case: one consumer, one message, no rendezvous round trip and no list.
            var (only, onlyHandle) = implicitSubscribers[0];
            await _factory.GetGrain<IStreamConsumerExtension>(new GrainId(only.Type, StreamId.Key)).Deliver(onlyHandle, StreamId, token, payload).ConfigureAwait(false);
            return;
        }

        var deliveries = new List<Task>();
        if (!_runtime.IsImplicitOnly(StreamId.Namespace))
        {
            foreach (var subscription in await Rendezvous.GetSubscriptions().ConfigureAwait(false))
            {
                deliveries.Add(_factory.GetGrain<IStreamConsumerExtension>(subscription.Consumer).Deliver(subscription.HandleId, StreamId, token, payload));
            }
        }

        foreach (var (template, handle) in implicitSubscribers)
        {
            var consumer = new GrainId(template.Type, StreamId.Key);
            deliveries.Add(_factory.GetGrain<IStreamConsumerExtension>(consumer).Deliver(handle, StreamId, token, payload));
        }

        await Task.WhenAll(deliveries).ConfigureAwait(false);
    }
}
