namespace DistInfer.Runtime.Serialization;

/// <summary>A decoded field tag: member id plus wire type.</summary>
public readonly record struct Field(uint Id, WireType WireType)
{
    public bool IsEnd => WireType == WireType.EndObject;
}
