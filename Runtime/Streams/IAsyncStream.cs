namespace DistInfer.Runtime.Streams;

/// <summary>A stream of T from a named provider.</summary>
public interface IAsyncStream<T>
{
    StreamId StreamId { get; }

    /// <summary>
    /// memory: completes once every subscriber took the item (its OnNextAsync completed): backpressure.
    /// redis: completes once the item is durably appended (XADD); delivery follows at least once.
    /// </summary>
    Task OnNextAsync(T item);

    /// <summary>
    /// <see cref="OnNextAsync"/>, answering whether a consumer received the producer's own object (an [Immutable]
    /// item, memory provider, consumer in this silo). False means every consumer got a copy, so the producer may
    /// reuse the item's buffers once this completes.
    /// </summary>
    async Task<bool> OnNextSharedAsync(T item)
    {
        await OnNextAsync(item).ConfigureAwait(false);
        return false;
    }

    /// <summary>Explicit subscription of the calling grain (only from grain code).</summary>
    Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer);

    /// <summary>
    /// As <see cref="SubscribeAsync(IAsyncObserver{T})"/>, first redelivering the stream's items from
    /// <paramref name="token"/> (inclusive) when given. Only providers that keep history (redis) accept a token.
    /// </summary>
    Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer, StreamSequenceToken? token);

    Task<StreamSubscriptionHandle<T>> SubscribeAsync(Func<T, StreamSequenceToken?, Task> onNext);

    /// <summary>The calling grain's subscriptions to this stream, to resume after re-activation.</summary>
    Task<IList<StreamSubscriptionHandle<T>>> GetAllSubscriptionHandles();
}
