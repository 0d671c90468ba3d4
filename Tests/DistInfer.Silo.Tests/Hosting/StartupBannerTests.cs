using DistInfer.Runtime.Membership;
using DistInfer.Silo.Hosting;

namespace DistInfer.Silo.Tests.Hosting;

public sealed class StartupBannerTests
{
    private static readonly SiloAddress Silo = new("127.0.0.1", 23001, 1);

    [Fact]
    public void Lines_NoModelDeployed_NoCurlHintButHowToDeploy()
    {
        var options = new SiloHostOptions { Clustering = "redis", ClusterId = "prod", HttpPort = 23201 };

        var lines = StartupBanner.Lines(options, Silo, deployedModel: null);

        Assert.DoesNotContain(lines, l => l.Contains("curl", StringComparison.Ordinal) || l.Contains("demo-moe", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("distinfer deploy --gateway 127.0.0.1:23001 --cluster-id prod", StringComparison.Ordinal));
    }

    [Fact]
    public void Lines_ModelDeployed_CurlHintNamesThatModel()
    {
        var options = new SiloHostOptions { HttpPort = 23201, ModelName = "mixtral-2s" };

        var lines = StartupBanner.Lines(options, Silo, deployedModel: "mixtral-2s");

        var hint = Assert.Single(lines, l => l.Contains("curl", StringComparison.Ordinal));
        Assert.Contains("http://127.0.0.1:23201/v1/completions", hint);
        Assert.Contains("\"model\":\"mixtral-2s\"", hint);
        Assert.StartsWith("distinfer-silo ", lines[0]);
    }

    [Fact]
    public void Lines_ApiKeysSet_CurlHintCarriesAnAuthorizationHeaderWithoutTheKey()
    {
        var options = new SiloHostOptions { HttpPort = 23201 };
        options.ApiKeys.Add("s3cret-key");

        var lines = StartupBanner.Lines(options, Silo, deployedModel: "demo-moe");

        var hint = Assert.Single(lines, l => l.Contains("curl", StringComparison.Ordinal));
        Assert.Contains("-H 'Authorization: Bearer <your --api-key>'", hint);
        Assert.DoesNotContain(lines, l => l.Contains("s3cret-key", StringComparison.Ordinal));
    }

    [Fact]
    public void Lines_SeparateGatewayPort_DeployHintUsesTheGateway()
    {
        var options = new SiloHostOptions { ClusterId = "prod", HttpPort = 23201, GatewayPort = 23101 };

        var lines = StartupBanner.Lines(options, Silo, deployedModel: null);

        Assert.Contains("silo 127.0.0.1:23001", lines[0]);
        Assert.Contains("gateway 127.0.0.1:23101", lines[0]);
        Assert.Contains(lines, l => l.Contains("distinfer deploy --gateway 127.0.0.1:23101 --cluster-id prod", StringComparison.Ordinal));
    }
}
