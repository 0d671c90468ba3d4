namespace DistInfer.Runtime.Streams;

public interface IStreamProvider
{
    string Name { get; }

    IAsyncStream<T> GetStream<T>(StreamId streamId);
}
