namespace DistInfer.Grains;

/// <summary>The key of an expert replica grain: "{model}/{layer}/{expert}/{replica}".</summary>
public readonly record struct ExpertKey(string Model, int Layer, int Expert, int Replica)
{
    public override string ToString() => $"{Model}/{Layer}/{Expert}/{Replica}";

    public static ExpertKey Parse(string key)
    {
        var parts = key.Split('/');
        if (parts.Length < 4
            || !int.TryParse(parts[^3], out var layer)
            || !int.TryParse(parts[^2], out var expert)
            || !int.TryParse(parts[^1], out var replica))
        {
            throw new FormatException($"'{key}' is not an expert key (model/layer/expert/replica)");
        }

        return new ExpertKey(string.Join('/', parts[..^3]), layer, expert, replica);
    }
}
