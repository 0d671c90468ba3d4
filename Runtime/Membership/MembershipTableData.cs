namespace DistInfer.Runtime.Membership;

/// <summary>A consistent read of the membership table: every row with its etag plus the table version.</summary>
public sealed class MembershipTableData
{
    public MembershipTableData(IReadOnlyList<MembershipRow> rows, TableVersion version)
    {
        ArgumentNullException.ThrowIfNull(rows);
        Rows = rows;
        Version = version;
    }

    public IReadOnlyList<MembershipRow> Rows { get; }

    public TableVersion Version { get; }

    /// <summary>The row of <paramref name="silo"/>, or null when the table has none.</summary>
    public MembershipRow? Find(SiloAddress silo)
    {
        foreach (var row in Rows)
        {
            if (row.Entry.SiloAddress == silo)
            {
                return row;
            }
        }

        return null;
    }

    public override string ToString() => $"{Rows.Count} rows, version {Version}";
}
