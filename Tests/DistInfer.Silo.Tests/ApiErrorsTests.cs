using DistInfer.Runtime.Messaging;
using DistInfer.Silo.Http;

namespace DistInfer.Silo.Tests;

public sealed class ApiErrorsTests
{
    [Fact]
    public void From_SiloUnavailable_503RetryableWithoutTheAddress()
    {
        var api = ApiErrors.From(new SiloUnavailableException("Cannot connect to 127.0.0.1:36531@639309351549386548: ConnectionRefused"));

        Assert.Equal(503, api.Status);
        Assert.Equal("silo_unavailable", api.Code);
        Assert.Contains("retry", api.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", api.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_SiloUnavailableWhileMembershipStorageDown_503NamingRedisWithoutTheAddress()
    {
        // Before, the same "the cluster is changing; retry" as any failover, while nothing could change until Redis was back.
        var api = ApiErrors.From(new SiloUnavailableException("Cannot connect to 127.0.0.1:36531@639309351549386548: ConnectionRefused"),
            "Redis at 127.0.0.1:6390 unavailable for membership of cluster prod");

        Assert.Equal(503, api.Status);
        Assert.Equal("silo_unavailable", api.Code);
        Assert.Contains("membership storage (Redis) is unreachable", api.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", api.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_SiloUnavailableWithMembershipStorageUp_TheUsualRetry()
    {
        var api = ApiErrors.From(new SiloUnavailableException("Cannot connect to 127.0.0.1:36531@639309351549386548: ConnectionRefused"), storageProblem: null);

        Assert.Equal(ApiErrors.From(new SiloUnavailableException("x")).Message, api.Message);
    }
}
