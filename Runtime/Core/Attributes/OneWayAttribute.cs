namespace DistInfer.Runtime;

/// <summary>Fire and forget: the caller does not wait for, nor receive, a response or exception.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OneWayAttribute : Attribute
{

}
