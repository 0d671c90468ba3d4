namespace DistInfer.Runtime.Membership;

/// <summary>
/// The membership table's global version. Every row write carries <see cref="Next"/> of the version it read, so
/// two writers that read the same version cannot both succeed (compare-and-swap on <see cref="ETag"/>).
/// </summary>
public readonly record struct TableVersion(int Version, string ETag)
{
    /// <summary>The version a write based on this read must carry: number + 1, same etag (the one to compare).</summary>
    public TableVersion Next() => new(Version + 1, ETag);

    public override string ToString() => $"<{Version}, {ETag}>";
}
