namespace DistInfer.Runtime.Invocation;

/// <summary>Per-method options read from attributes by the source generator.</summary>
[Flags]
public enum MethodFlags
{
    None = 0,
    OneWay = 1,
    AlwaysInterleave = 2,
}
