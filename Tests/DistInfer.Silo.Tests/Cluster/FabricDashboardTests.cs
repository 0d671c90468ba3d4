using System.Text.Json;
using DistInfer.Grains;
using DistInfer.Tests.Shared;
using Microsoft.Playwright;

namespace DistInfer.Silo.Tests.Cluster;

/// <summary>/api/cluster and the dashboard of the real distinfer-silo (FabricClusterView) serving a two-stage MoE model.</summary>
public sealed class FabricDashboardTests : IAsyncLifetime
{
    private const string SiloName = "dash";
    private HostedSilo _silo = null!;
    private DeploymentInfo _info = null!;

    public async Task InitializeAsync()
    {
        _silo = await HostedSilo.StartAsync(SiloName, "fabric-dashboard", redis: null);
        _info = await _silo.Front.DeployAsync("demo", new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 2 });
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task ApiCluster_TwoStageModel_StagesCarryTheirLayersAndActivationsNameListedSilos()
    {
        var cluster = JsonDocument.Parse(await _silo.Http.GetStringAsync(new Uri("/api/cluster", UriKind.Relative))).RootElement.GetProperty("cluster");

        // demo-moe has 4 layers: two stages hold [0, 2) and [2, 4); the API gives the last layer inclusive.
        Assert.Equal([0, 2, 4], _info.Boundaries);
        var stages = cluster.GetProperty("pipeline").EnumerateArray().Where(s => s.GetProperty("model").GetString() == "demo")
            .OrderBy(s => s.GetProperty("stage").GetInt32())
            .Select(s => (s.GetProperty("firstLayer").GetInt32(), s.GetProperty("lastLayer").GetInt32())).ToList();
        Assert.Equal([(0, 1), (2, 3)], stages);

        // The dashboard matches activations and experts to silo rows by address.
        var addresses = cluster.GetProperty("silos").EnumerateArray().Select(s => s.GetProperty("address").GetString()).ToList();
        var activations = cluster.GetProperty("activations").EnumerateArray().ToList();
        Assert.All(activations, a => Assert.Contains(a.GetProperty("silo").GetString(), addresses));
        Assert.True(activations.Where(a => a.GetProperty("grainType").GetString() == "ExpertGrain").Sum(a => a.GetProperty("count").GetInt32()) > 0);
        Assert.All(cluster.GetProperty("experts").EnumerateArray(), e => Assert.Contains(e.GetProperty("silo").GetString(), addresses));
    }

    [Fact]
    public async Task Dashboard_InBrowser_TwoStageModel_ShowsActivationCountsLayersAndSiloNames()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(_silo.Http.BaseAddress!, "/dashboard").ToString());

        var experts = page.Locator("#activation-table tbody tr[data-grain-type=ExpertGrain] td");
        await Assertions.Expect(experts).ToHaveCountAsync(2);
        var expertCount = (await _silo.StatusAsync()).Silos.Single().ExpertActivations;
        Assert.True(expertCount > 0);
        await Assertions.Expect(experts.Nth(1)).ToHaveTextAsync(expertCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stages = page.Locator("#pipeline [data-testid=pipeline-stage]");
        await Assertions.Expect(stages).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#pipeline")).ToContainTextAsync($"demo stage 0 (layers 0–1) on {SiloName}");
        await Assertions.Expect(page.Locator("#pipeline")).ToContainTextAsync($"demo stage 1 (layers 2–3) on {SiloName}");
        var cells = page.Locator("#expert-map [data-testid=expert-cell]");
        await Assertions.Expect(cells.First).ToBeVisibleAsync();
        Assert.All(await cells.EvaluateAllAsync<string[]>("cs => cs.map(c => c.textContent)"), text => Assert.Equal(SiloName, text));
    }
}
