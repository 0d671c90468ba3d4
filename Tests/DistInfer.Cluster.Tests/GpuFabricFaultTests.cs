using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Cuda;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Compute;
using DistInfer.Grains.Fabric;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Cluster.Tests;

/// <summary>
/// The failover promise on GPU silos: three silos whose stages and experts run on CUDA (bf16 weights, the
/// fabric's default batch-invariant kernels), one killed mid-request; re-prefilled sequences must keep the greedy
/// tokens an undisturbed run of the same cluster produced. Needs an NVIDIA GPU (distinfer-gpu-tests runs it); CI
/// runs <c>Category!=Gpu</c>.
/// </summary>
[Trait("Category", "Gpu")]
public sealed class GpuFabricFaultTests
{
    private static readonly Lazy<(CudaDevice? Device, string Reason)> Opened = new(() =>
    {
        var d = CudaDevice.TryOpen(0, out var reason);
        return (d, reason);
    });

    [Fact]
    public async Task Generate_GpuSiloKilledDuringDemoModelRequests_SameGreedyTokensAsUndisturbed()
    {
        const int NewTokens = 48;
        var (device, reason) = Opened.Value;
        Assert.True(device is not null, $"no CUDA device: {reason}");
        Assert.True(CudaOps.FabricInvariantByDefault, $"{CudaOps.BatchInvariantVariable}=0 turns off what this test relies on");

        // Each silo gets its own compute device on the one GPU (its own streams and expert runner), not disposed
        // here: they share the process's CudaDevice.
        await using var cluster = await FabricTestCluster.StartAsync(3, (_, services) => services.AddSingleton(new GrainComputeDevice(device, "CUDA (test)")));
        var info = await cluster.GrainFactory.GetGrain<IModelRegistryGrain>("demo-gpu")
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 2, ExpertReplicas = 2 });
        var prompts = DemoPrompts.Encoded();
        var parameters = new SamplingParams { MaxNewTokens = NewTokens, MinNewTokens = NewTokens };

        var undisturbed = await RunAsync(cluster, info, prompts, parameters, kill: false);
        var (results, recoveries) = await RunAsync(cluster, info, prompts, parameters, kill: true);

        Assert.True(recoveries > 0, "the killed silo held a stage, so a step must have been recovered");
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.True(undisturbed.Results[i].SequenceEqual(results[i]),
                $"prompt {i}: undisturbed {string.Join(',', undisturbed.Results[i])} vs after the kill {string.Join(',', results[i])}");
        }
    }

    private static async Task<(int[][] Results, int Recoveries)> RunAsync(FabricTestCluster cluster, DeploymentInfo info, int[][] prompts,
        SamplingParams parameters, bool kill)
    {
        var loss = await SiloLossUnderLoad.PrepareAsync(cluster, info, info.Name);
        var executor = new FabricBatchExecutor(loss.Driver.GrainFactory, info, 0, new FabricOptions { MicroBatches = 2 });
        await using var batcher = new ContinuousBatcher(executor, []);
        var running = loss.RunAsync(batcher, prompts, parameters);
        if (kill)
        {
            await loss.ThirdDone;
            await cluster.KillAsync(loss.Victim);
        }

        return (await running, executor.Recoveries);
    }
}
