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

    /// <summary>Client gateways: Active silos of this build's wire protocol with a proxy port, as "host:proxyPort"
    /// endpoints (for clients that read the table directly instead of running a membership agent).</summary>
    public IReadOnlyList<System.Net.IPEndPoint> ActiveGateways()
    {
        var gateways = new List<System.Net.IPEndPoint>();
        foreach (var row in Rows)
        {
            if (row.Entry.Status == SiloStatus.Active && row.Entry.ProxyPort > 0
                && SiloMetadata.TryGetInt64(row.Entry.Metadata, SiloMetadataKeys.WireProtocol, out var protocol) && protocol == Messaging.WireProtocol.Version
                && System.Net.IPAddress.TryParse(row.Entry.SiloAddress.Host, out var address))
            {
                gateways.Add(new System.Net.IPEndPoint(address, row.Entry.ProxyPort));
            }
        }

        return gateways;
    }

    public override string ToString() => $"{Rows.Count} rows, version {Version}";
}
