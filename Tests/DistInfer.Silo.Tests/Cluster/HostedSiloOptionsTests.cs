using DistInfer.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DistInfer.Silo.Tests.Cluster;

public sealed class HostedSiloOptionsTests
{
    [Fact]
    public async Task Build_DefaultOptions_GracefulStopWaits90SecondsForAcceptedRequests()
    {
        await using var app = SiloHost.Build(new SiloHostOptions { SiloPort = FreePort.Next(), HttpPort = FreePort.Next() });

        Assert.Equal(TimeSpan.FromSeconds(90), app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }
}
