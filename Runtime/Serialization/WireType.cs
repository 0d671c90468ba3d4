namespace DistInfer.Runtime.Serialization;

/// <summary>How a field's payload is laid out, so a reader can skip fields it does not know.</summary>
public enum WireType : byte
{
    VarInt = 0,
    Fixed32 = 1,
    Fixed64 = 2,
    LengthPrefixed = 3,
    StartObject = 4,
    EndObject = 5,
    Null = 6,

    /// <summary>A large array carried after the frame body; the payload is its index (varint) among the frame's attachments.</summary>
    Attachment = 7,
}
