using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Hosting.Clustering;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

using ClusterMembershipSnapshot = DistInfer.Runtime.Cluster.ClusterMembershipSnapshot;
using IClusterMembershipService = DistInfer.Runtime.Cluster.IClusterMembershipService;

namespace DistInfer.Runtime.Tests.SiloClustering;

/// <summary>Silos in this process running the real membership protocol over a shared table and real TCP probes.</summary>
public sealed class ClusteringHostingTests : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly List<ServiceProvider> _providers = [];

    [Fact]
    public async Task AddDistInferClustering_TwoSilos_EachSeesTheOthersRolesMetadataAndAccelerators()
    {
        var table = new InMemoryMembershipTable();
        var gpu = await StartSiloAsync(table, "gpu", o =>
        {
            o.Roles.Add("gpu");
            o.Metadata["zone"] = "eu-1";
        }, s => s.AddAcceleratorInfo(() => [new AcceleratorInfo("H100", 80L << 30, 70L << 30)]));
        var cpu = await StartSiloAsync(table, "cpu");

        var seen = await WaitForAsync(cpu, s => s.TryGet(gpu.Address, out var info) && info.Statistics.Accelerators.Count == 1 ? info : null);

        Assert.Equal(SiloStatus.Active, seen.Status);
        Assert.Contains("gpu", seen.Roles);
        Assert.Equal("eu-1", seen.Metadata["zone"]);
        Assert.Equal(Environment.ProcessorCount, seen.Statistics.CpuCount);
        Assert.True(seen.Statistics.MemoryTotalBytes > 0);
        Assert.Equal(new AcceleratorInfo("H100", 80L << 30, 70L << 30), seen.Statistics.Accelerators[0]);
        Assert.Contains(typeof(ITestGrain).FullName!, seen.GrainInterfaces);
    }

    [Fact]
    public async Task Join_PeersReadTheTableOnlyHourly_EarlierSiloSeesTheNewSiloAtOnceThroughGossip()
    {
        // Nothing but gossip can tell the first silo: no periodic table read, statistics or metadata write for an hour.
        var table = new InMemoryMembershipTable();
        static void Hourly(SiloOptions o) => o.StatisticsRefreshPeriod = TimeSpan.FromHours(1);
        static void HourlyTable(IServiceCollection s) => s.Configure<ClusteringOptions>(c =>
        {
            c.Membership.TableRefreshTimeout = TimeSpan.FromHours(1);
            c.Membership.MetadataRefreshPeriod = TimeSpan.FromHours(1);
        });
        var first = await StartSiloAsync(table, "first", Hourly, HourlyTable);
        var second = await StartSiloAsync(table, "second", Hourly, HourlyTable);

        var seen = await WaitForAsync(first, s => s.TryGet(second.Address, out var info) && info.Status == SiloStatus.Active ? info : null);

        Assert.Equal("second", seen.Name);
    }

    [Fact]
    public async Task AddDistInferClustering_Localhost_OneSiloClusterJoinsAndServesGrains()
    {
        var collection = new ServiceCollection();
        collection.AddDistInferClustering(c => c.Clustering = ClusteringMode.Localhost);
        collection.AddDistInferSilo(o => o.ClusterId = "localhost");
        var provider = collection.BuildServiceProvider();
        _providers.Add(provider);
        var silo = provider.GetRequiredService<Silo>();
        await silo.StartAsync();

        var membership = provider.GetRequiredService<IClusterMembershipService>();
        Assert.IsType<MembershipProtocolService>(membership);
        Assert.True(membership.Current.IsActive(silo.Address));
        Assert.Equal(3, await silo.GrainFactory.GetGrain<ITestGrain>(Signals.Unique("localhost")).Add(3));
        var row = (await provider.GetRequiredService<IMembershipTable>().ReadAllAsync()).Find(silo.Address);
        Assert.Equal(SiloStatus.Active, row!.Value.Entry.Status);
    }

    [Fact]
    public async Task StatisticsRefresh_AcceleratorMemoryChanges_OtherSilosSeeTheNewFigure()
    {
        var table = new InMemoryMembershipTable();
        long free = 70L << 30;
        var gpu = await StartSiloAsync(table, "gpu", o => o.StatisticsRefreshPeriod = TimeSpan.FromMilliseconds(100), s => s.AddAcceleratorInfo(() => [new AcceleratorInfo("H100", 80L << 30, Interlocked.Read(ref free))]));
        var other = await StartSiloAsync(table, "other");
        await WaitForAsync(other, s => s.TryGet(gpu.Address, out var info) && info.Statistics.Accelerators.Count == 1 ? info : null);

        Interlocked.Exchange(ref free, 10L << 30);

        var updated = await WaitForAsync(other, s => s.TryGet(gpu.Address, out var info) && info.Statistics.Accelerators is [{ MemoryFreeBytes: 10L << 30 }] ? info : null);
        Assert.Equal(80L << 30, updated.Statistics.Accelerators[0].MemoryTotalBytes);
    }

    [Fact]
    public async Task ProbeAsync_OverSiloConnections_LiveSiloAnswersOtherGenerationAndClosedPortDoNot()
    {
        var table = new InMemoryMembershipTable();
        var a = await StartSiloAsync(table, "a");
        var b = await StartSiloAsync(table, "b");
        var probes = new SiloProbeTransport(b.Services);

        Assert.True(await probes.ProbeAsync(a.Address, CancellationToken.None));

        // A restarted silo on the same endpoint must not answer for the old generation: the probe times out.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            var stale = a.Address with { Generation = a.Address.Generation - 1 };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probes.ProbeAsync(stale, timeout.Token));
        }

        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var closed = new SiloAddress("127.0.0.1", ((System.Net.IPEndPoint)listener.LocalEndpoint).Port, 1);
        listener.Stop();
        await Assert.ThrowsAsync<SiloUnavailableException>(() => probes.ProbeAsync(closed, CancellationToken.None));
    }

    [Fact]
    public async Task StopAsync_Graceful_WritesShuttingDownThenDeactivatesGrainsThenWritesDead()
    {
        var table = new RecordingMembershipTable();
        var silo = await StartSiloAsync(table, "leaving");
        var key = Signals.Unique("leave");
        await silo.GrainFactory.GetGrain<ITestGrain>(key).Add(1);
        var writes = new List<string>();
        table.Updated = e =>
        {
            if (e.SiloAddress == silo.Address)
            {
                lock (writes)
                {
                    writes.Add(e.Status + (Signals.Get("deactivated-" + key).Task.IsCompleted ? " after deactivation" : " before deactivation"));
                }
            }
        };

        await silo.StopAsync();

        // ShuttingDown first (a drain): the other silos stop resolving grains here before they are deactivated, so calls
        // meanwhile activate them elsewhere instead of on a silo about to leave.
        Assert.Equal(new[] { "ShuttingDown before deactivation", "Dead after deactivation" }, writes);
        var row = (await table.ReadAllAsync()).Find(silo.Address);
        Assert.Equal(SiloStatus.Dead, row!.Value.Entry.Status);
    }

    [Fact]
    public async Task StopAsync_TableWipedRightAfterTheDeadWrite_PeerViewShowsTheSiloDeadOnceItReturns()
    {
        var table = new RecordingMembershipTable();
        var stays = await StartSiloAsync(table, "stays");
        var leaves = await StartSiloAsync(table, "leaves");
        await WaitForAsync(stays, s => s.TryGet(leaves.Address, out var info) && info.Status == SiloStatus.Active ? info : null);

        // Redis restarts empty right after the leaving silo's Dead write, before any peer read it.
        table.Updated = e =>
        {
            if (e.SiloAddress == leaves.Address && e.Status == SiloStatus.Dead)
            {
                table.DeleteMembershipTableEntriesAsync("dev").GetAwaiter().GetResult();
            }
        };

        await leaves.StopAsync();

        // Before, the peer's re-read found no row and kept the silo as last seen (ShuttingDown) until its probes
        // failed and its vote wrote the row back: a crash verdict for a graceful leave. The leave's gossip says it.
        var view = stays.Services.GetRequiredService<IClusterMembershipService>().Current;
        Assert.True(!view.TryGet(leaves.Address, out var seen) || seen.Status == SiloStatus.Dead, $"seen as {seen?.Status}");
    }

    [Fact]
    public async Task DeclaredDead_ByTheCluster_SiloStopsAndTheHostStops()
    {
        var table = new InMemoryMembershipTable();
        using var host = new HostBuilder()
            .UseDistInferSilo(o => o.ClusterId = "declared", s => s.UseMembershipTable(_ => table))
            .Build();
        await host.StartAsync();
        var silo = host.Services.GetRequiredService<Silo>();
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());

        // What a quorum of voters writes.
        var data = await table.ReadAllAsync();
        var row = data.Find(silo.Address)!.Value;
        Assert.True(await table.UpdateRowAsync(row.Entry with { Status = SiloStatus.Dead }, row.ETag, data.Version.Next()));

        await stopping.Task.WaitAsync(Deadline);
        Assert.False(silo.IsRunning);
        await host.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            var silo = provider.GetRequiredService<Silo>();
            if (silo.IsRunning)
            {
                await silo.StopAsync();
            }

            await provider.DisposeAsync();
        }
    }

    private async Task<Silo> StartSiloAsync(IMembershipTable table, string name, Action<SiloOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        collection.AddDistInferSilo(o =>
        {
            o.Name = name;
            o.ClusterId = "clustering";
            configure?.Invoke(o);
        });
        collection.UseMembershipTable(_ => table);
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider();
        _providers.Add(provider);
        var silo = provider.GetRequiredService<Silo>();
        await silo.StartAsync();
        return silo;
    }

    private static async Task<SiloInfo> WaitForAsync(Silo observer, Func<ClusterMembershipSnapshot, SiloInfo?> pick)
    {
        var membership = observer.Services.GetRequiredService<IClusterMembershipService>();
        var found = new TaskCompletionSource<SiloInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(ClusterMembershipSnapshot snapshot)
        {
            if (pick(snapshot) is { } info)
            {
                found.TrySetResult(info);
            }
        }

        membership.Changed += OnChanged;
        try
        {
            OnChanged(membership.Current);
            return await found.Task.WaitAsync(Deadline);
        }
        finally
        {
            membership.Changed -= OnChanged;
        }
    }
}
