namespace DistInfer.Runtime.Placement;

/// <summary>Only silos with the role (SiloOptions.Roles) may host the grain; random among them.</summary>
public sealed class SiloRoleBasedPlacement : PlacementStrategy
{
    public SiloRoleBasedPlacement(string role)
    {
        Role = role;
    }

    public string Role { get; }

    public override string ToString() => $"SiloRoleBasedPlacement({Role})";
}
