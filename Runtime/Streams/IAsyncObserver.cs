namespace DistInfer.Runtime.Streams;

/// <summary>Consumer side of a stream (Orleans' shape).</summary>
public interface IAsyncObserver<in T>
{
    Task OnNextAsync(T item, StreamSequenceToken? token = null);

    Task OnCompletedAsync() => Task.CompletedTask;

    Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}
