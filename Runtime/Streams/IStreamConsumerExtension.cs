namespace DistInfer.Runtime.Streams;

/// <summary>
/// Delivery endpoint every grain has (a grain extension): a call to it runs as a turn of the consumer grain and hands
/// the item to the observer attached for the subscription handle.
/// </summary>
public interface IStreamConsumerExtension : IAddressable
{
    /// <summary>
    /// The item, borrowed for the call: the consumer reads it (the producer's own object when it is [Immutable] and
    /// this call stayed in its silo, else from its bytes) before its observer's first await, and the producer gives
    /// the pooled bytes back once every delivery ended.
    /// </summary>
    Task Deliver(Guid handleId, StreamId streamId, StreamSequenceToken token, StreamPayload payload);
}
