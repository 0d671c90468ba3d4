namespace DistInfer.Runtime.Streams;

/// <summary>
/// A durable explicit subscription of a grain to a stream. It outlives the consumer's activation: a re-activated
/// consumer gets it back from GetAllSubscriptionHandles and calls ResumeAsync with a new observer.
/// </summary>
public sealed class StreamSubscriptionHandle<T>
{
    private readonly AsyncStream<T> _stream;

    internal StreamSubscriptionHandle(AsyncStream<T> stream, Guid handleId)
    {
        _stream = stream;
        HandleId = handleId;
    }

    public Guid HandleId { get; }

    public StreamId StreamId => _stream.StreamId;

    public Task<StreamSubscriptionHandle<T>> ResumeAsync(IAsyncObserver<T> observer) => _stream.ResumeAsync(this, observer);

    public Task UnsubscribeAsync() => _stream.UnsubscribeAsync(this);

    public override string ToString() => $"{StreamId}#{HandleId:N}";
}
