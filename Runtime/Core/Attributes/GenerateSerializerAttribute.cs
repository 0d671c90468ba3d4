namespace DistInfer.Runtime;

/// <summary>The source generator writes a version-tolerant serializer for this type's [Id] members.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct)]
public sealed class GenerateSerializerAttribute : Attribute
{

}
