using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Tests.ClusterMembership;

internal static class MembershipTestData
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static SiloAddress Silo(int port, long generation = 1) => new("127.0.0.1", port, generation);

    public static MembershipEntry Entry(SiloAddress silo, SiloStatus status = SiloStatus.Joining) => new()
    {
        SiloAddress = silo,
        SiloName = $"silo-{silo.Port}",
        Status = status,
        HostName = "host-a",
        ProxyPort = silo.Port + 1000,
        Roles = ["gpu", "frontend"],
        Metadata = new Dictionary<string, string>
        {
            [SiloMetadataKeys.CpuCount] = "16",
            ["custom.zone"] = "eu-1",
            [SiloMetadataKeys.WireProtocol] = Messaging.WireProtocol.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
        StartTime = Epoch,
        IAmAliveTime = Epoch,
    };
}
