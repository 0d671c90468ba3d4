namespace DistInfer.Runtime;

/// <summary>
/// Identity of a grain: its type (the grain interface's full name, or "sys.*" for system targets) plus its key.
/// The stable hash is computed once so dictionary look-ups and directory ring positions are cheap.
/// </summary>
public readonly struct GrainId : IEquatable<GrainId>
{
    private readonly uint _hash;

    public GrainId(string type, string key)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(key);
        Type = type;
        Key = key;
        _hash = StableHash.Compute(type, key);
    }

    public string Type { get; }

    public string Key { get; }

    /// <summary>Hash that is the same in every process (used for directory partitioning and hash placement).</summary>
    public uint StableHashCode => _hash;

    public bool IsDefault => Type is null;

    public bool IsSystemTarget => Type is not null && Type.StartsWith("sys.", StringComparison.Ordinal);

    public bool Equals(GrainId other) =>
        _hash == other._hash && string.Equals(Key, other.Key, StringComparison.Ordinal)
        && (ReferenceEquals(Type, other.Type) || string.Equals(Type, other.Type, StringComparison.Ordinal));

    public override bool Equals(object? obj) => obj is GrainId other && Equals(other);

    public override int GetHashCode() => (int)_hash;

    public override string ToString() => $"{Type}/{Key}";

    public static bool operator ==(GrainId left, GrainId right) => left.Equals(right);

    public static bool operator !=(GrainId left, GrainId right) => !left.Equals(right);
}
