namespace DistInfer.Runtime;

/// <summary>Requests to this grain may interleave at await points (still one thread at a time).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ReentrantAttribute : Attribute
{

}
