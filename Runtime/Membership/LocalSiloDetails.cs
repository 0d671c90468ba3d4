namespace DistInfer.Runtime.Membership;

/// <summary>Who this silo is, as written into its membership row.</summary>
public sealed record LocalSiloDetails(SiloAddress SiloAddress, string SiloName)
{
    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>Client gateway port, 0 when the silo is no gateway.</summary>
    public int ProxyPort { get; init; }

    public IReadOnlyList<string> Roles { get; init; } = [];
}
