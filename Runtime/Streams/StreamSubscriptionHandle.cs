namespace DistInfer.Runtime.Streams;

/// <summary>
/// A durable explicit subscription of a grain to a stream. It outlives the consumer's activation: a re-activated
/// consumer gets it back from GetAllSubscriptionHandles and calls ResumeAsync with a new observer.
/// </summary>
public sealed class StreamSubscriptionHandle<T>
{
    private readonly ISubscribableStream<T> _stream;

    internal StreamSubscriptionHandle(ISubscribableStream<T> stream, Guid handleId)
    {
        _stream = stream;
        HandleId = handleId;
    }

    public Guid HandleId { get; }

    public StreamId StreamId => _stream.StreamId;

    public Task<StreamSubscriptionHandle<T>> ResumeAsync(IAsyncObserver<T> observer) => _stream.ResumeAsync(this, observer, null);

    /// <summary>
    /// Resumes and first redelivers the stream's items from <paramref name="token"/> (inclusive; redis provider):
    /// pass the token of the last item the consumer processed to lose nothing, or an older one to rewind.
    /// </summary>
    public Task<StreamSubscriptionHandle<T>> ResumeAsync(IAsyncObserver<T> observer, StreamSequenceToken? token) => _stream.ResumeAsync(this, observer, token);

    public Task UnsubscribeAsync() => _stream.UnsubscribeAsync(this);

    public override string ToString() => $"{StreamId}#{HandleId:N}";
}
