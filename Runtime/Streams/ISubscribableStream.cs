namespace DistInfer.Runtime.Streams;

/// <summary>What a subscription handle needs from its provider's stream.</summary>
internal interface ISubscribableStream<T>
{
    StreamId StreamId { get; }

    Task<StreamSubscriptionHandle<T>> ResumeAsync(StreamSubscriptionHandle<T> handle, IAsyncObserver<T> observer, StreamSequenceToken? token);

    Task UnsubscribeAsync(StreamSubscriptionHandle<T> handle);
}
