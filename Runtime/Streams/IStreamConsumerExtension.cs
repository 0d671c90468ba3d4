namespace DistInfer.Runtime.Streams;

/// <summary>
/// Delivery endpoint every grain has (a grain extension): a call to it runs as a turn of the consumer grain and hands
/// the item to the observer attached for the subscription handle.
/// </summary>
public interface IStreamConsumerExtension : IAddressable
{
    Task Deliver(Guid handleId, StreamId streamId, StreamSequenceToken token, [Immutable] byte[] payload);
}
