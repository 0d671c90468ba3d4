namespace DistInfer.Runtime.Serialization;

/// <summary>A large array sent after a frame's body: its bytes (borrowed or a pooled copy) and element type.</summary>
public readonly record struct FrameAttachment(ReadOnlyMemory<byte> Bytes, AttachmentKind Kind);
