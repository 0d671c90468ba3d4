namespace DistInfer.Runtime.Streams;

/// <summary>
/// Delivery endpoint every grain has (a grain extension): a call to it runs as a turn of the consumer grain and hands
/// the item to the observer attached for the subscription handle.
/// </summary>
public interface IStreamConsumerExtension : IAddressable
{
    /// <summary>
    /// The item's serialized bytes, borrowed for the call: the consumer deserializes them before its observer's
    /// first await, and the producer gives the pooled memory back once every delivery ended.
    /// </summary>
    Task Deliver(Guid handleId, StreamId streamId, StreamSequenceToken token, PooledBuffer payload);
}
