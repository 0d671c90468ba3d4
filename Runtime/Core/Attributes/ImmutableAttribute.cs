namespace DistInfer.Runtime;

/// <summary>The value is never mutated, so local calls pass it by reference instead of deep-copying it.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Parameter | AttributeTargets.ReturnValue)]
public sealed class ImmutableAttribute : Attribute
{

}
