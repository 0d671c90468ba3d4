namespace DistInfer.Runtime.Placement;

/// <summary>[SiloRoleBasedPlacement("gpu")]: place only on silos that declare the role.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SiloRoleBasedPlacementAttribute : PlacementAttribute
{
    public SiloRoleBasedPlacementAttribute(string role)
        : base(new SiloRoleBasedPlacement(role))
    {
    }
}
