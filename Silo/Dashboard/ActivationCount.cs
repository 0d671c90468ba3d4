namespace DistInfer.Silo.Dashboard;

/// <summary>How many activations of a grain type live on a silo.</summary>
public sealed class ActivationCount
{
    public string GrainType { get; init; } = "";
    public string Silo { get; init; } = "";
    public int Count { get; init; }
}
