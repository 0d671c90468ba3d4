namespace DistInfer.Runtime.Messaging;

/// <summary>The header of a frame; the body (arguments, result or exception) follows it.</summary>
public struct MessageHeader
{
    public MessageKind Kind;
    public byte Flags;
    public ResponseStatus Status;
    public long CorrelationId;
    public int InterfaceId;
    public int MethodId;
    public int TimeoutMilliseconds;
    public GrainId Target;

    /// <summary>Received only: the arrays that followed the body (byte[] or float[]), read by codecs through the Reader.</summary>
    public object[]? Attachments;
}
