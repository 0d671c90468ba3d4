using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Grains;

namespace DistInfer.Cluster.Tests;

public sealed class StageHandOffGrainTests
{
    private static StageHandOff HandOff(long sequence) => new()
    {
        Request = new StageLoadRequest { Model = "m", ModelPath = "/nowhere" },
        Sequences = [new SequenceKvState { SequenceId = sequence, Masked = [false], Keys = [[1f]], Values = [[2f]] }],
    };

    [Fact]
    public async Task Take_NothingExpected_AnswersNullAtOnce()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);

        Assert.Null(await cluster.GrainFactory.GetGrain<IStageHandOffGrain>("s/0/0").Take());
    }

    [Fact]
    public async Task Take_ExpectedAndPutLater_WaitsAndGetsItOnce()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var grain = cluster.GrainFactory.GetGrain<IStageHandOffGrain>("s/0/1");
        await grain.Expect();

        // Sent before the put: a take that did not wait would answer null.
        var take = grain.Take();
        await grain.Put(HandOff(7));

        Assert.Equal(7, Assert.Single((await take)!.Sequences).SequenceId);
        Assert.Null(await grain.Take());
    }

    [Fact]
    public async Task Take_ExpectedAndNothingPut_GetsNullOnceTheDrainingStageSaysSo()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var grain = cluster.GrainFactory.GetGrain<IStageHandOffGrain>("s/0/2");
        await grain.Expect();

        var take = grain.Take();
        await grain.Put(null);

        Assert.Null(await take);
    }

    [Fact]
    public async Task Put_NothingExpected_IsDropped()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var grain = cluster.GrainFactory.GetGrain<IStageHandOffGrain>("s/0/4");

        await grain.Put(HandOff(3));

        Assert.Null(await grain.Take());
    }

    [Fact]
    public async Task Take_ExpectedAgainAfterAnEarlierPut_WaitsForTheNewHandOff()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var grain = cluster.GrainFactory.GetGrain<IStageHandOffGrain>("s/0/5");
        await grain.Expect();
        await grain.Put(HandOff(1));
        await grain.Expect();

        var take = grain.Take();
        await grain.Put(HandOff(2));

        Assert.Equal(2, Assert.Single((await take)!.Sequences).SequenceId);
    }

    [Fact]
    public async Task Expect_CalledFromASilo_PlacesTheGrainOnAnotherSilo()
    {
        await using var cluster = await FabricTestCluster.StartAsync(2);
        var (here, there) = (cluster.Silos[0].ActivationCount, cluster.Silos[1].ActivationCount);

        await cluster.Silos[0].GrainFactory.GetGrain<IStageHandOffGrain>("s/0/3").Expect();

        Assert.Equal((here, there + 1), (cluster.Silos[0].ActivationCount, cluster.Silos[1].ActivationCount));
    }
}
