using System.Net;
using System.Text.Json;
using DistInfer.Grains;
using DistInfer.Silo.Tests.Processes;
using DistInfer.Tests.Shared;

namespace DistInfer.Silo.Tests.Cluster;

/// <summary>GET /v1/models on the silos of a Redis cluster, for models deployed through one of them.</summary>
public sealed class ModelListTests : IAsyncLifetime
{
    private readonly List<HostedSilo> _silos = [];
    private RedisServer _redis = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        for (var i = 0; i < 2; i++)
        {
            _silos.Add(await HostedSilo.StartAsync("list" + i, "model-list", _redis.Endpoint));
        }

        await Task.WhenAll(_silos.Select(s => s.WaitForActiveSilosAsync(_silos.Count)));
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task ListModels_DeployedThroughOneSilo_ListedByBothBeforeAnyRequestWithoutTheOneLackingATokenizer()
    {
        await _silos[0].Front.DeployAsync("listed", new DeploymentRequest { ModelPath = RepoPaths.DemoModel });
        await _silos[0].Front.DeployAsync("raw", new DeploymentRequest { ModelPath = RepoPaths.Fixture("mixtral") });

        foreach (var silo in _silos)
        {
            using var list = JsonDocument.Parse(await silo.Http.GetStringAsync("/v1/models"));
            var ids = list.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
            Assert.Contains("listed", ids);
            Assert.DoesNotContain("raw", ids);

            // The model deployed for token-id files only says why the API cannot serve it.
            using var raw = await silo.Http.GetAsync("/v1/models/raw");
            Assert.Equal(HttpStatusCode.BadRequest, raw.StatusCode);
            Assert.Contains("tokenizer.json", await raw.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
