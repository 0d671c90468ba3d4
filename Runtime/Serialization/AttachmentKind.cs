namespace DistInfer.Runtime.Serialization;

/// <summary>The element type of a frame attachment, so the receiver can allocate the final array before the bytes arrive.</summary>
public enum AttachmentKind : byte
{
    Bytes = 1,

    /// <summary>A <see cref="PooledBuffer"/>: received into pooled memory, released after the call (see its ownership rules).</summary>
    Pooled = 2,
    Floats = 4,
}
