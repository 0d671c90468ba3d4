using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains;

namespace DistInfer.Cluster.Tests;

public sealed class ExpertHostGrainTests
{
    [Fact]
    public async Task Forward_ReplicasOfItsSilo_EachGetsItsRowsThroughItsWeights()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("hosted")
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe"), Stages = 1 });
        var pin = ExpertKey.PinOf(cluster.Silos[1].Address.ToString());
        var keys = info.ExpertReplicaSet.Where(r => r.Pin == pin && r.Layer == info.MoeLayers[0]).Take(2).Select(r => r.Key).ToArray();
        Assert.Equal(2, keys.Length); // Eight experts a layer over two silos of equal memory: four on each.
        var model = TransformerModel.Load(RepoPaths.Fixture("olmoe"), Gemm.Default);
        var h = model.Config.HiddenSize;
        var tokens = Enumerable.Range(0, 3 * h).Select(i => MathF.Cos(i * 0.1f)).ToArray();

        var result = await cluster.GrainFactory.GetGrain<IExpertHostGrain>(pin).Forward(new ExpertBatch { Keys = keys, Rows = [1, 2], Tokens = tokens });

        Assert.Empty(result.Missing);
        var offset = 0;
        for (var i = 0; i < 2; i++)
        {
            var key = ExpertKey.Parse(keys[i]);
            var rows = i + 1;
            var expected = new float[rows * h];
            model.Weights.Layers[key.Layer]!.Moe!.Experts[key.Expert]!.Forward(Gemm.Default, tokens.AsSpan(offset, rows * h), rows, expected, TransformerModel.DefaultPrecision(model.Config) == ActivationPrecision.BFloat16);
            Assert.Equal(expected, result.Outputs[offset..(offset + rows * h)]);
            var status = await cluster.GrainFactory.GetGrain<IExpertGrain>(keys[i]).Status();
            Assert.Equal((rows, (long)rows), (status.ServedLocally, status.Tokens));
            offset += rows * h;
        }
    }

    [Fact]
    public async Task Forward_ReplicaNotOnItsSilo_ReportsItMissingAndLeavesItsRowsZero()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var pin = ExpertKey.PinOf(cluster.Silos[0].Address.ToString());

        var result = await cluster.GrainFactory.GetGrain<IExpertHostGrain>(pin).Forward(new ExpertBatch { Keys = ["nothing/0/0/0@" + pin], Rows = [1], Tokens = [1f, 2f] });

        Assert.Equal([0], result.Missing);
        Assert.Equal([0f, 0f], result.Outputs);
    }

    [Fact]
    public async Task Forward_MoreKeysThanRowCounts_FailsNamingBoth()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var pin = ExpertKey.PinOf(cluster.Silos[0].Address.ToString());

        var error = await Assert.ThrowsAnyAsync<Exception>(() => cluster.GrainFactory.GetGrain<IExpertHostGrain>(pin).Forward(new ExpertBatch { Keys = ["a/0/0/0", "a/0/1/0"], Rows = [1], Tokens = [1f] }));

        Assert.Contains("2 replica keys but 1 row counts", error.Message);
    }

    [Fact]
    public async Task Forward_PinOfNoSilo_FailsWithoutPlacingItElsewhere()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => cluster.GrainFactory.GetGrain<IExpertHostGrain>("127.0.0.1:1").Forward(new ExpertBatch()));

        Assert.Contains("127.0.0.1:1 is not an active silo", error.Message);
    }
}
