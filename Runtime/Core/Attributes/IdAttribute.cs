namespace DistInfer.Runtime;

/// <summary>Field id of a serialized member; ids never change once published, which keeps old readers working.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class IdAttribute : Attribute
{
    public IdAttribute(uint id)
    {
        Id = id;
    }

    public uint Id { get; }
}
