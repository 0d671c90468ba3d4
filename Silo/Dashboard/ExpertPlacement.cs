namespace DistInfer.Silo.Dashboard;

/// <summary>One replica of one expert of one MoE layer: where it runs and its load.</summary>
public sealed class ExpertPlacement
{
    public string Model { get; init; } = "";
    public int Layer { get; init; }
    public int Expert { get; init; }
    public int Replica { get; init; }
    public string Silo { get; init; } = "";

    /// <summary>Tokens routed to this replica (a counter; rates are the reader's business).</summary>
    public double Load { get; init; }
}
