using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class DashboardTests(ModelFixture models) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 6, 0, 0, TimeSpan.Zero));
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service, services: s => s.AddSingleton<TimeProvider>(_time));

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private async Task<JsonElement> ClusterAsync()
    {
        var response = await _silo.Client.GetAsync(new Uri("/api/cluster", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task ApiCluster_LocalView_OneSiloWithEveryExpertAndAStagePerModel()
    {
        var json = await ClusterAsync();

        var cluster = json.GetProperty("cluster");
        var silo = Assert.Single(cluster.GetProperty("silos").EnumerateArray());
        Assert.Equal("Active", silo.GetProperty("status").GetString());
        Assert.Contains(_silo.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), silo.GetProperty("address").GetString(), StringComparison.Ordinal);
        Assert.True(silo.GetProperty("memoryUsedBytes").GetInt64() > 0);
        Assert.True(silo.GetProperty("memoryTotalBytes").GetInt64() > 0);
        Assert.InRange(silo.GetProperty("processMemoryBytes").GetInt64(), 1, silo.GetProperty("memoryTotalBytes").GetInt64());
        Assert.InRange(silo.GetProperty("cpuPercent").GetDouble(), 0, 100);
        var served = models.Service.Models.Count;
        Assert.Equal(served * 4 * 8, cluster.GetProperty("experts").GetArrayLength());
        Assert.Equal(served, cluster.GetProperty("pipeline").GetArrayLength());
        Assert.Equal(served, cluster.GetProperty("activations")[0].GetProperty("count").GetInt32());
        var requests = json.GetProperty("requests");
        Assert.Equal(60, requests.GetProperty("tokensHistory").GetArrayLength());
        Assert.Equal(60, requests.GetProperty("requestsHistory").GetArrayLength());
    }

    [Fact]
    public async Task ApiCluster_AfterARequest_RatesAndHistoryShowIt()
    {
        var (_, body, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"The license","max_tokens":6,"temperature":0}""");
        var generated = body.GetProperty("choices")[0].GetProperty("token_ids").GetArrayLength();
        _time.Advance(TimeSpan.FromSeconds(1));

        var requests = (await ClusterAsync()).GetProperty("requests");

        Assert.Equal(generated, requests.GetProperty("tokensHistory").EnumerateArray().Last().GetInt64());
        Assert.Equal(1, requests.GetProperty("requestsHistory").EnumerateArray().Last().GetInt64());
        Assert.True(requests.GetProperty("tokensPerSecond").GetDouble() > 0);
        Assert.True(requests.GetProperty("p50LatencySeconds").GetDouble() > 0);
        Assert.True(requests.GetProperty("requestsTotal").GetInt64() >= 1);
    }

    [Theory]
    [InlineData("/dashboard", "text/html", "id=\"silo-table\"")]
    [InlineData("/dashboard/dashboard.html", "text/html", "id=\"tokens-chart\"")]
    [InlineData("/dashboard/dashboard.js", "text/javascript", "/api/cluster")]
    [InlineData("/dashboard/dashboard.css", "text/css", "#status")]
    public async Task Dashboard_Assets_ServedFromTheSilo(string path, string mediaType, string contains)
    {
        var response = await _silo.Client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(contains, text, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", text, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", text, StringComparison.Ordinal);
    }
}
