using Microsoft.Playwright;

namespace DistInfer.Silo.Tests;

/// <summary>
/// Drives Debian's chromium (/usr/bin/chromium, `apt-get install -y chromium`) headless through Playwright's bundled
/// driver; no browser is downloaded.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class DashboardBrowserTests(ModelFixture models) : IAsyncLifetime
{
    private TestSilo _silo = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(HeadlessChromium.Path), $"{HeadlessChromium.Path} is missing: apt-get install -y chromium");
        _silo = await TestSilo.StartAsync(models.Service);
        _playwright = await Playwright.CreateAsync();
        _browser = await HeadlessChromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _silo.DisposeAsync();
    }

    [Fact]
    public async Task Dashboard_InBrowser_ShowsSiloAndExpertsAndTokensChartMovesUnderLoad()
    {
        var page = await _browser.NewPageAsync();
        var failed = new List<string>();
        page.RequestFailed += (_, r) => failed.Add(r.Url);
        await page.GotoAsync(new Uri(_silo.BaseAddress, "/dashboard").ToString());

        var rows = page.Locator("#silo-table tbody tr[data-testid=silo-row]");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("Active");
        await Assertions.Expect(page.Locator("#expert-map [data-testid=expert-cell]")).ToHaveCountAsync(models.Service.Models.Count * 4 * 8);
        await Assertions.Expect(page.Locator("#pipeline [data-testid=pipeline-stage]")).ToHaveCountAsync(models.Service.Models.Count);
        var chart = page.Locator("#tokens-chart");
        await Assertions.Expect(chart).Not.ToHaveAttributeAsync("data-points", "");
        var before = await chart.GetAttributeAsync("data-points");

        // Load until a poll shows generated tokens in the chart's history.
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"The license","max_tokens":8,"temperature":0}""");
            }
        });
        try
        {
            await page.WaitForFunctionAsync(
                "() => document.getElementById('tokens-chart').getAttribute('data-points').split(',').some(v => Number(v) > 0)",
                null,
                new PageWaitForFunctionOptions { Timeout = 60_000 });
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }

        Assert.NotEqual(before, await chart.GetAttributeAsync("data-points"));
        Assert.NotEqual("–", await page.Locator("#tile-tps").TextContentAsync());
        Assert.Empty(failed);
    }
}
