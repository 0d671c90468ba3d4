namespace DistInfer.Runtime.Streams;

/// <summary>An observer from a lambda, for SubscribeAsync(item => ...).</summary>
public sealed class DelegateObserver<T>(Func<T, StreamSequenceToken?, Task> onNext) : IAsyncObserver<T>
{
    public Task OnNextAsync(T item, StreamSequenceToken? token = null) => onNext(item, token);
}
