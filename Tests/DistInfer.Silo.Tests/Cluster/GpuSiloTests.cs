using System.Net;
using System.Text.Json;
using DistInfer.Grains;
using DistInfer.Grains.Compute;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Silo.Tests.Cluster;

/// <summary>
/// A silo on a GPU host (stage and expert grains on CUDA) against the same silo on the CPU engine: greedy
/// completions of the demo model through the HTTP API. Needs an NVIDIA GPU:
/// <c>dotnet test Tests/DistInfer.Silo.Tests --filter Category=Gpu</c>; CI runs <c>Category!=Gpu</c>.
/// </summary>
[Trait("Category", "Gpu")]
public sealed class GpuSiloTests
{
    private const int NewTokens = 16;

    private static readonly string[] Prompts = ["The license grants you the right to", "import torch\n", "Permission is hereby granted"];

    [Fact]
    public async Task Completions_CudaSilo_SameGreedyTokensAsCpuSilo()
    {
        var cuda = await GenerateAsync("cuda");
        var cpu = await GenerateAsync("cpu");

        for (var i = 0; i < Prompts.Length; i++)
        {
            Assert.True(cuda[i].AsSpan().SequenceEqual(cpu[i]),
                $"prompt {i}: cuda {string.Join(',', cuda[i])} vs cpu {string.Join(',', cpu[i])}");
        }
    }

    private static async Task<int[][]> GenerateAsync(string device)
    {
        await using var silo = await HostedSilo.StartAsync($"gpu-{device}", $"gpu-{device}", redis: null, o => o.Device = device);
        Assert.Equal(device == "cuda", silo.Services.GetRequiredService<GrainComputeDevice>().Cuda is not null);
        await silo.Front.DeployAsync("demo", new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 1 });
        var result = new int[Prompts.Length][];
        for (var i = 0; i < Prompts.Length; i++)
        {
            var body = JsonSerializer.Serialize(new { model = "demo", prompt = Prompts[i], max_tokens = NewTokens, temperature = 0 });
            var (status, json, _) = await Api.PostAsync(silo.Http, "/v1/completions", body);
            Assert.Equal(HttpStatusCode.OK, status);
            result[i] = [.. json.GetProperty("choices")[0].GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32())];
            Assert.NotEmpty(result[i]);
        }

        return result;
    }
}
