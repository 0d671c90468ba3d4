namespace DistInfer.Runtime.Placement;

/// <summary>The grain being placed: its id and interface (GrainId.Type).</summary>
public readonly record struct PlacementTarget(GrainId GrainId)
{
    public string GrainInterface => GrainId.Type;
}
