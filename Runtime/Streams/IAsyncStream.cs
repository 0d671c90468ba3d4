namespace DistInfer.Runtime.Streams;

/// <summary>A stream of T from a named provider.</summary>
public interface IAsyncStream<T>
{
    StreamId StreamId { get; }

    /// <summary>Completes once every subscriber took the item (its OnNextAsync completed): backpressure.</summary>
    Task OnNextAsync(T item);

    /// <summary>Explicit subscription of the calling grain (only from grain code).</summary>
    Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer);

    Task<StreamSubscriptionHandle<T>> SubscribeAsync(Func<T, StreamSequenceToken?, Task> onNext);

    /// <summary>The calling grain's subscriptions to this stream, to resume after re-activation.</summary>
    Task<IList<StreamSubscriptionHandle<T>>> GetAllSubscriptionHandles();
}
