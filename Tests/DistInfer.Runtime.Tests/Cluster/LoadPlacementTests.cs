using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Tests.Grains;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Runtime.Tests.Cluster;

/// <summary>Load-driven placement with statistics the test controls.</summary>
public sealed class LoadPlacementTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await TestCluster.StartAsync(2, services: (i, s) => s.AddSingleton<ISiloStatisticsProvider>(new FixedStatistics(i)));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task ActivationCountBasedPlacement_LoadedSilo_NewGrainsGoToTheOther()
    {
        for (var i = 0; i < 20; i++)
        {
            await _cluster.Silos[0].GrainFactory.GetGrain<ITestGrain>(Signals.Unique("load")).WhereAmI();
        }

        await _cluster.Silos[0].RefreshStatisticsAsync();
        await _cluster.Silos[1].RefreshStatisticsAsync();
        for (var i = 0; i < 5; i++)
        {
            var where = await _cluster.Silos[0].GrainFactory.GetGrain<IActivationCountBasedGrain>(Signals.Unique("acb")).WhereAmI();
            Assert.Equal(_cluster.Silos[1].Address.ToString(), where);
        }
    }

    [Fact]
    public async Task ResourceOptimizedPlacement_MoreFreeAcceleratorMemory_Wins()
    {
        for (var i = 0; i < 5; i++)
        {
            var where = await _cluster.Silos[1].GrainFactory.GetGrain<IResourceOptimizedGrain>(Signals.Unique("res")).WhereAmI();
            Assert.Equal(_cluster.Silos[0].Address.ToString(), where);
        }
    }

    /// <summary>Silo 0: idle GPU with 70 of 80 GB free; silo 1: the same GPU nearly full.</summary>
    private sealed class FixedStatistics(int silo) : ISiloStatisticsProvider
    {
        public SiloStatistics GetStatistics(int activationCount) => new()
        {
            ActivationCount = activationCount,
            CpuUsage = 0.2,
            MemoryTotalBytes = 64L << 30,
            MemoryAvailableBytes = 32L << 30,
            Accelerators = [new AcceleratorInfo("H100", 80L << 30, silo == 0 ? 70L << 30 : 2L << 30)],
        };
    }
}
