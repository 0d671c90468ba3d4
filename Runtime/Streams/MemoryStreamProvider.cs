using DistInfer.Runtime.Activation;

namespace DistInfer.Runtime.Streams;

/// <summary>The "memory" stream provider: delivery over grain messaging, ordered per stream, acknowledged per item.</summary>
public sealed class MemoryStreamProvider : IStreamProvider
{
    private readonly IGrainFactory _factory;
    private readonly StreamRuntime _runtime;
    private readonly ActivationData? _consumer;

    internal MemoryStreamProvider(string name, IGrainFactory factory, StreamRuntime runtime, ActivationData? consumer)
    {
        Name = name;
        _factory = factory;
        _runtime = runtime;
        _consumer = consumer;
    }

    public string Name { get; }

    public IAsyncStream<T> GetStream<T>(StreamId streamId) => new AsyncStream<T>(Name, streamId, _factory, _runtime, _consumer);
}
