using System.Diagnostics.Metrics;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DistInfer.Runtime.Tests.Unit;

public sealed class HostingTests
{
    [Fact]
    public async Task UseDistInferSiloAndClient_GenericHosts_ClientCallsSiloGrain()
    {
        using var siloHost = new HostBuilder().UseDistInferSilo(o => o.Name = "hosted").Build();
        await siloHost.StartAsync();
        var silo = siloHost.Services.GetRequiredService<Silo>();
        using var clientHost = new HostBuilder().UseDistInferClient(o => o.Gateways.Add($"127.0.0.1:{silo.Address.Port}")).Build();
        await clientHost.StartAsync();
        var client = clientHost.Services.GetRequiredService<IClusterClient>();
        Assert.True(client.IsConnected);
        Assert.Equal(silo.Address.ToString(), await client.GetGrain<ITestGrain>(Signals.Unique("hosted")).WhereAmI());
        Assert.Same(silo.GrainFactory, siloHost.Services.GetRequiredService<IGrainFactory>());
        await clientHost.StopAsync();
        await siloHost.StopAsync();
        Assert.Equal(Membership.SiloStatus.Dead, siloHost.Services.GetRequiredService<IClusterMembershipService>().Current.Silos.Single().Status);
    }

    [Fact]
    public async Task Meter_GrainCalls_RecordsCallsAndBytes()
    {
        long calls = 0;
        long bytes = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RuntimeMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "distinfer.grain.calls")
            {
                Interlocked.Add(ref calls, value);
            }
            else if (instrument.Name == "distinfer.bytes.sent")
            {
                Interlocked.Add(ref bytes, value);
            }
        });
        listener.Start();
        await using var cluster = await TestCluster.StartAsync(1);
        var client = await cluster.ConnectClientAsync();
        await client.GetGrain<ITestGrain>(Signals.Unique("metered")).Add(1);
        Assert.True(Interlocked.Read(ref calls) >= 1);
        Assert.True(Interlocked.Read(ref bytes) > 0);
    }

    [Fact]
    public async Task ClusterClient_NoGatewayReachable_FailsWithClearError()
    {
        var options = new ClusterClientOptions();
        options.Gateways.Add("127.0.0.1:1");
        await using var client = new ClusterClient(Microsoft.Extensions.Options.Options.Create(options));
        var error = await Assert.ThrowsAsync<Messaging.SiloUnavailableException>(() => client.ConnectAsync());
        Assert.Contains("127.0.0.1:1", error.Message, StringComparison.Ordinal);
    }
}
