using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class CrossSiloCallTests(ClusterFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task RemoteCall_GrainOnOtherSilo_ReturnsResult()
    {
        var key = Signals.Unique("remote");
        Assert.Equal(Cluster.Silos[1].Address.ToString(), await Cluster.Silos[1].GrainFactory.GetGrain<ITestGrain>(key).WhereAmI());
        var grain = Cluster.Silos[0].GrainFactory.GetGrain<ITestGrain>(key);
        await grain.Add(40);
        Assert.Equal(42, await grain.Add(2));
        Assert.Equal(Cluster.Silos[1].Address.ToString(), await grain.WhereAmI());
    }

    [Fact]
    public async Task RemoteException_KnownType_ArrivesWithTypeAndMessage()
    {
        var grain = await OnSilo1Async();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Throw("invalid", "remote boom"));
        Assert.Equal("remote boom", error.Message);
    }

    [Fact]
    public async Task RemoteException_NoStringConstructor_WrappedWithOriginalTypeName()
    {
        var grain = await OnSilo1Async();
        var error = await Assert.ThrowsAsync<RemoteGrainException>(() => grain.Throw("custom", "odd failure"));
        Assert.Contains(nameof(UnconstructibleException), error.OriginalTypeName, StringComparison.Ordinal);
        Assert.Equal("odd failure", error.OriginalMessage);
    }

    [Fact]
    public async Task RemoteCall_ResponseTimeoutAttribute_TimesOut()
    {
        var grain = await OnSilo1Async();
        var gate = Signals.Unique("hang");
        var error = await Assert.ThrowsAsync<TimeoutException>(() => grain.Hang(gate));
        Assert.Contains("Hang", error.Message, StringComparison.Ordinal);
        Signals.Set(gate);
    }

    [Fact]
    public async Task RemoteCall_CancellationToken_CancelsWorkOnOtherSilo()
    {
        var grain = await OnSilo1Async();
        var signal = Signals.Unique("cancelled");
        using var cts = new CancellationTokenSource();
        var call = grain.WaitForCancellation(signal, cts.Token);
        await Task.Yield();
        Assert.False(call.IsCompleted);
        cts.Cancel();
        Assert.Equal(Cluster.Silos[1].Address.ToString(), await Signals.WaitAsync(signal));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Fact]
    public async Task RemoteCall_OneMegabytePayload_RoundTrips()
    {
        var grain = await OnSilo1Async();
        var payload = new byte[1 << 20];
        Random.Shared.NextBytes(payload);
        Assert.Equal(payload, await grain.Echo(payload));
    }

    [Fact]
    public async Task RemoteOneWay_IsDelivered()
    {
        var grain = await OnSilo1Async();
        var signal = Signals.Unique("oneway");
        await grain.Notify(signal, 5);
        Assert.Equal(5, await Signals.WaitAsync(signal));
    }

    [Fact]
    public async Task Client_CallsGrains_ThroughGateway()
    {
        var client = await Cluster.ConnectClientAsync(Cluster.Silos[2]);
        var grain = client.GetGrain<ITestGrain>(Signals.Unique("client"));
        await grain.Add(1);
        Assert.Equal(3, await grain.Add(2));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => grain.Throw("argument", "from client"));
        Assert.Equal("from client", error.Message);
    }

    [Fact]
    public async Task Client_UnknownGrainType_FailsWithClearError()
    {
        var client = await Cluster.ConnectClientAsync(Cluster.Silos[0]);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.GetGrain<IUnimplementedGrain>("nobody").Anything());
        Assert.Contains(typeof(IUnimplementedGrain).FullName!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_FirstGatewayDown_FailsOverToNext()
    {
        var options = new DistInfer.Runtime.Client.ClusterClientOptions { ClusterId = "test" };
        options.Gateways.Add("127.0.0.1:1");
        options.Gateways.Add($"127.0.0.1:{Cluster.Silos[0].Address.Port}");
        await using var client = new DistInfer.Runtime.Client.ClusterClient(Microsoft.Extensions.Options.Options.Create(options));
        Assert.Equal(Cluster.Silos[2].Address.ToString(), await client.GetGrain<IGpuGrain>(Signals.Unique("fo")).WhereAmI());
        Assert.EndsWith($":{Cluster.Silos[0].Address.Port}@0", client.CurrentGateway, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrainReferenceArgumentAndResult_CrossSilos_StayCallable()
    {
        var onSilo1 = await OnSilo1Async();
        var key2 = Signals.Unique("ref");
        await Cluster.Silos[2].GrainFactory.GetGrain<ITestGrain>(key2).WhereAmI();
        var onSilo2 = Cluster.Silos[0].GrainFactory.GetGrain<ITestGrain>(key2);
        Assert.Equal(Cluster.Silos[2].Address.ToString(), await onSilo1.AskWhere(onSilo2));
        var self = await onSilo1.Self();
        Assert.Equal(onSilo1.GetGrainId(), self.GetGrainId());
        Assert.Equal(Cluster.Silos[1].Address.ToString(), await self.WhereAmI());
    }

    /// <summary>HOST:PORT with a host name (distinfer --gateway localhost:11111) failed: "An invalid IP address was specified".</summary>
    [Fact]
    public async Task Client_GatewayGivenByHostName_ResolvedAndCalls()
    {
        var options = new DistInfer.Runtime.Client.ClusterClientOptions { ClusterId = "test" };
        options.Gateways.Add($"localhost:{Cluster.Silos[0].Address.Port}");
        await using var client = new DistInfer.Runtime.Client.ClusterClient(Microsoft.Extensions.Options.Options.Create(options));

        Assert.Equal(Cluster.Silos[2].Address.ToString(), await client.GetGrain<IGpuGrain>(Signals.Unique("byname")).WhereAmI());
    }

    [Fact]
    public void Client_GatewayHostThatDoesNotResolve_FormatExceptionNamingIt()
    {
        var options = new DistInfer.Runtime.Client.ClusterClientOptions { ClusterId = "test" };
        options.Gateways.Add("no-such-host.invalid:11111");

        var error = Assert.Throws<FormatException>(() => new DistInfer.Runtime.Client.ClusterClient(Microsoft.Extensions.Options.Options.Create(options)));

        Assert.Contains("no-such-host.invalid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_OtherClusterId_CallsRefusedWithClearError()
    {
        var options = new DistInfer.Runtime.Client.ClusterClientOptions { ClusterId = "elsewhere" };
        options.Gateways.Add($"127.0.0.1:{Cluster.Silos[0].Address.Port}");
        await using var client = new DistInfer.Runtime.Client.ClusterClient(Microsoft.Extensions.Options.Options.Create(options));
        var error = await Assert.ThrowsAsync<DistInfer.Runtime.Messaging.CallRefusedException>(() => client.GetGrain<ITestGrain>("x").WhereAmI());
        Assert.Contains("cluster 'elsewhere'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_OtherWireProtocol_CallsRefusedNamingBothVersions()
    {
        var options = new DistInfer.Runtime.Client.ClusterClientOptions { ClusterId = "test" };
        options.Messaging.WireProtocolVersion = 0;
        options.Gateways.Add($"127.0.0.1:{Cluster.Silos[0].Address.Port}");
        await using var client = new DistInfer.Runtime.Client.ClusterClient(Microsoft.Extensions.Options.Options.Create(options));
        var error = await Assert.ThrowsAsync<DistInfer.Runtime.Messaging.CallRefusedException>(() => client.GetGrain<ITestGrain>(Signals.Unique("wire")).WhereAmI());
        Assert.Contains("wire protocol 0", error.Message, StringComparison.Ordinal);
        Assert.Contains($"speaks {DistInfer.Runtime.Messaging.WireProtocol.Version}", error.Message, StringComparison.Ordinal);
    }

    private async Task<ITestGrain> OnSilo1Async()
    {
        var key = Signals.Unique("on1");
        await Cluster.Silos[1].GrainFactory.GetGrain<ITestGrain>(key).WhereAmI();
        return Cluster.Silos[0].GrainFactory.GetGrain<ITestGrain>(key);
    }
}
