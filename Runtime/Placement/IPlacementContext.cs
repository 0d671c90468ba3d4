using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Placement;

/// <summary>What a director sees: the local silo and the active silos able to host the target, with metadata and load.</summary>
public interface IPlacementContext
{
    SiloAddress LocalSilo { get; }

    /// <summary>Active silos that host the target's grain interface, in a deterministic order; never empty.</summary>
    IReadOnlyList<SiloInfo> GetCompatibleSilos(PlacementTarget target);
}
