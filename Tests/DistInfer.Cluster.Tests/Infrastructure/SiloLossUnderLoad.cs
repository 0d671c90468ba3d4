using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime.Hosting;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>
/// Requests running through a two-stage pipeline driven from the first silo, and a victim silo (one holding a stage,
/// not the driver) to take away once a third of the tokens were produced: what the kill and drain tests share.
/// </summary>
internal sealed class SiloLossUnderLoad
{
    private readonly TaskCompletionSource _third = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _tokensSeen;

    private SiloLossUnderLoad(Silo driver, Silo victim, IReadOnlyList<string> stageSilos)
    {
        Driver = driver;
        Victim = victim;
        StageSilos = stageSilos;
    }

    public Silo Driver { get; }

    public Silo Victim { get; }

    /// <summary>The silos holding the model's stages before the loss.</summary>
    public IReadOnlyList<string> StageSilos { get; }

    /// <summary>Completes when a third of all requested tokens arrived.</summary>
    public Task ThirdDone => _third.Task;

    public static async Task<SiloLossUnderLoad> PrepareAsync(FabricTestCluster cluster, DeploymentInfo info, string model)
    {
        var driver = cluster.Silos[0];
        var stageSilos = new List<string>();
        for (var s = 0; s < info.Stages; s++)
        {
            stageSilos.Add((await driver.GrainFactory.GetGrain<IStageGrain>(new StageKey(model, 0, s).ToString()).Status()).Silo);
        }

        var victim = cluster.Silos.Skip(1).FirstOrDefault(s => stageSilos.Contains(s.Address.ToString())) ?? cluster.Silos[1];
        return new SiloLossUnderLoad(driver, victim, stageSilos);
    }

    /// <summary>Starts every prompt through <paramref name="batcher"/>; each task ends with the prompt's token ids.</summary>
    public Task<int[][]> RunAsync(ContinuousBatcher batcher, int[][] prompts, SamplingParams parameters)
    {
        var total = prompts.Length * parameters.MaxNewTokens;
        return Task.WhenAll(prompts.Select(async p =>
        {
            var tokens = new List<int>();
            await foreach (var e in batcher.GenerateAsync(p, parameters))
            {
                tokens.Add(e.TokenId);
                if (Interlocked.Increment(ref _tokensSeen) == total / 3)
                {
                    _third.TrySetResult();
                }
            }

            return tokens.ToArray();
        }));
    }
}
