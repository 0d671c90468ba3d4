namespace DistInfer.Grains;

/// <summary>
/// The key of an expert replica grain: "{model}/{layer}/{expert}/{replica}", or with a placement pin
/// "{model}/{layer}/{expert}/{replica}@{host}:{port}" naming the silo endpoint the replica should run on. The pin is
/// part of the identity so that every silo's placement director reaches the same decision without shared state;
/// replica numbers are never reused for one (layer, expert), so a moved replica is a new grain.
/// </summary>
public readonly record struct ExpertKey(string Model, int Layer, int Expert, int Replica, string? Pin = null)
{
    public override string ToString() => string.IsNullOrEmpty(Pin) ? $"{Model}/{Layer}/{Expert}/{Replica}" : $"{Model}/{Layer}/{Expert}/{Replica}@{Pin}";

    public static ExpertKey Parse(string key)
    {
        var parts = key.Split('/');
        var last = parts.Length >= 4 ? parts[^1] : "";
        var at = last.IndexOf('@', StringComparison.Ordinal);
        var replicaText = at < 0 ? last : last[..at];
        if (parts.Length < 4
            || !int.TryParse(parts[^3], out var layer)
            || !int.TryParse(parts[^2], out var expert)
            || !int.TryParse(replicaText, out var replica))
        {
            throw new FormatException($"'{key}' is not an expert key (model/layer/expert/replica[@host:port])");
        }

        return new ExpertKey(string.Join('/', parts[..^3]), layer, expert, replica, at < 0 ? null : last[(at + 1)..]);
    }

    /// <summary>The pin form of a silo address: its endpoint, so a restarted silo on the same endpoint still matches.</summary>
    public static string PinOf(string siloAddress)
    {
        var at = siloAddress.LastIndexOf('@');
        return at < 0 ? siloAddress : siloAddress[..at];
    }
}
