using System.Text.Json;
using DistInfer.Silo.Dashboard;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DistInfer.Silo.Tests;

/// <summary>The dashboard and metrics over a cluster view the runtime supplies (registered before AddDistInferHttp).</summary>
[Collection(SiloCollection.Name)]
public sealed class ClusterViewTests(ModelFixture models) : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service, services: s => s.AddSingleton<IClusterView, TwoSiloClusterView>());

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Metrics_ReplacedClusterView_ExpertLoadSummedOverReplicas()
    {
        var text = await _silo.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Contains("distinfer_expert_load{model=\"m\",layer=\"0\",expert=\"0\"} 150\n", text, StringComparison.Ordinal);
        Assert.Contains("distinfer_expert_load{model=\"m\",layer=\"0\",expert=\"1\"} 0\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiCluster_ReplacedClusterView_Served()
    {
        var json = JsonDocument.Parse(await _silo.Client.GetStringAsync(new Uri("/api/cluster", UriKind.Relative))).RootElement.GetProperty("cluster");

        Assert.Equal(["silo-a", "silo-b"], json.GetProperty("silos").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(80L << 30, json.GetProperty("silos")[0].GetProperty("accelerators")[0].GetProperty("memoryTotalBytes").GetInt64());
    }

    [Fact]
    public async Task Dashboard_InBrowser_ShowsBothSilosAndExpertPlacementHeatmap()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(_silo.BaseAddress, "/dashboard").ToString());

        var rows = page.Locator("#silo-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("ShuttingDown");
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("gpu0");
        var cells = page.Locator("#expert-map [data-testid=expert-cell]");
        await Assertions.Expect(cells).ToHaveCountAsync(3);
        Assert.Equal([TwoSiloClusterView.A, TwoSiloClusterView.B, TwoSiloClusterView.B], await cells.EvaluateAllAsync<string[]>("cs => cs.map(c => c.dataset.silo)"));

        // A cell names its silo (the address is in its title), not a host prefix the silos may share.
        Assert.Equal(["silo-a", "silo-b", "silo-b"], await cells.EvaluateAllAsync<string[]>("cs => cs.map(c => c.textContent)"));
        var colours = await cells.EvaluateAllAsync<string[]>("cs => cs.map(c => c.style.background)");
        Assert.Equal(3, colours.Distinct().Count());
        var activations = page.Locator("#activation-table tbody tr");
        await Assertions.Expect(activations).ToHaveCountAsync(1);
        await Assertions.Expect(activations.Locator("td")).ToHaveTextAsync(["ExpertGrain", "3", "2"]);
        await Assertions.Expect(page.Locator("#tile-activations")).ToHaveTextAsync("5");
        var stages = page.Locator("#pipeline [data-testid=pipeline-stage]");
        await Assertions.Expect(stages).ToHaveCountAsync(2);
        await Assertions.Expect(stages.Nth(0)).ToContainTextAsync("m stage 0 (layers 0–1) on silo-a");
        await Assertions.Expect(stages.Nth(0)).ToContainTextAsync("75 %");
        await Assertions.Expect(stages.Nth(1)).ToContainTextAsync("m stage 1 (layers 2–3) on silo-b");
    }
}
