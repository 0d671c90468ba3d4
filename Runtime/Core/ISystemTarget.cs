namespace DistInfer.Runtime;

/// <summary>
/// A per-silo runtime service addressed by silo (GrainId type "sys.*", key = silo address), never activated or
/// placed; the directory partitions and stream pub-sub use it.
/// </summary>
public interface ISystemTarget : IAddressable
{
}
