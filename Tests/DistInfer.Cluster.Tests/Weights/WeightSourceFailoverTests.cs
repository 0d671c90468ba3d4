using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Config;
using DistInfer.Grains;
using DistInfer.Grains.Weights;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests.Weights;

public sealed class WeightSourceFailoverTests
{
    [Fact]
    public async Task StageLoad_FirstSourceSiloDead_ShipsFromTheNextSource()
    {
        using var caches = new TempDirectory();
        var modelPath = RepoPaths.Fixture("mixtral");
        // silo0 and silo2 read the path and host no stage; silo1 cannot see it and hosts the stage.
        await using var cluster = await FabricTestCluster.StartAsync(3, (index, services) =>
        {
            services.Configure<WeightsOptions>(o =>
            {
                o.CacheDirectory = caches.Combine("silo" + index);
                o.IsLocalPath = index == 1 ? static _ => false : Directory.Exists;
            });
            if (index != 1)
            {
                services.Configure<SiloOptions>(o => o.GrainClassFilter = static t => t != typeof(StageGrain) && t != typeof(ExpertGrain));
            }
        });
        var dead = cluster.Silos[0].Address.ToString();
        var alive = cluster.Silos[2].Address.ToString();
        await cluster.KillAsync(cluster.Silos[0]);
        var layers = ModelConfigReader.Load(modelPath).NumLayers;

        var status = await cluster.Silos[1].GrainFactory.GetGrain<IStageGrain>("failover/0/0").Load(new StageLoadRequest
        {
            Model = "failover",
            ModelPath = modelPath,
            FirstLayer = 0,
            EndLayer = layers,
            Embedding = true,
            Head = true,
            Sources = [dead, alive],
        });

        Assert.True(status.Loaded);
        Assert.Equal(cluster.Silos[1].Address.ToString(), status.Silo);
        Assert.True(status.Weights!.BytesFetched > 0);
        Assert.Equal(status.Weights.BytesToFetch, status.Weights.BytesFetched);
        Assert.True(cluster.Silos[2].Services.GetRequiredService<ModelFileServer>().BytesServed >= status.Weights.BytesFetched);
        await SettleRegistryAsync(cluster.Silos[1], "failover");
    }

    [Fact]
    public async Task StageLoad_RestartedSiloWithWarmCacheAndNoSourceUp_LoadsFromTheCache()
    {
        using var caches = new TempDirectory();
        var modelPath = RepoPaths.Fixture("mixtral");
        var cacheOfTheHiddenSilo = caches.Combine("hidden");
        // silo0 reads the path and hosts no stage; silo1 and later silo2 (silo1 "restarted": same cache) cannot see it.
        await using var cluster = await FabricTestCluster.StartAsync(2, (index, services) =>
        {
            services.Configure<WeightsOptions>(o =>
            {
                o.CacheDirectory = index == 0 ? caches.Combine("silo0") : cacheOfTheHiddenSilo;
                o.IsLocalPath = index == 0 ? Directory.Exists : static _ => false;
            });
            if (index == 0)
            {
                services.Configure<SiloOptions>(o => o.GrainClassFilter = static t => t != typeof(StageGrain) && t != typeof(ExpertGrain));
            }
        });
        var info = await cluster.Silos[0].GrainFactory.GetGrain<IModelRegistryGrain>("warm").Deploy(new DeploymentRequest { ModelPath = modelPath, Stages = 2 });
        await cluster.KillAsync(cluster.Silos[0]);
        await cluster.KillAsync(cluster.Silos[1]);
        var restarted = await cluster.AddSiloAsync();

        var status = await restarted.GrainFactory.GetGrain<IStageGrain>("offline/0/1").Load(ModelRegistryGrain.StageRequest(info, 0, 1) with { Model = "offline" });

        Assert.True(status.Loaded);
        Assert.Equal(restarted.Address.ToString(), status.Silo);
        Assert.Equal(0, status.Weights!.BytesToFetch);
        Assert.Equal(0, restarted.Services.GetRequiredService<ModelWeightStore>().Cache.BytesFetched);
        await SettleRegistryAsync(restarted, "offline");
    }

    /// <summary>
    /// The load's fire-and-forget progress report activates the model's registry; wait until that activation is up,
    /// because a silo stopping while an activation is still activating waits for it in vain (runtime issue).
    /// </summary>
    private static Task SettleRegistryAsync(Silo silo, string model) => silo.GrainFactory.GetGrain<IModelRegistryGrain>(model).Progress();
}
