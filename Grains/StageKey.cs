namespace DistInfer.Grains;

/// <summary>The key of a stage grain: "{model}/{replica}/{stage}".</summary>
public readonly record struct StageKey(string Model, int Replica, int Stage)
{
    public override string ToString() => $"{Model}/{Replica}/{Stage}";
}
