using System.Net;
using DistInfer.Silo.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Silo.Tests;

/// <summary>
/// One metrics source failing (the expert-load source's grain call to an unreachable silo) made the whole scrape an
/// empty 500: Prometheus lost every series, the request counters included, exactly while an incident was on.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class MetricsSourceFailureTests(ModelFixture models) : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync() =>
        _silo = await TestSilo.StartAsync(models.Service, services: s => s.AddSingleton<IMetricsSource>(new FailingSource()));

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Scrape_OneSourceThrows_OthersServedAndItIsMarkedDown()
    {
        var response = await _silo.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE distinfer_requests_running gauge", text, StringComparison.Ordinal);
        Assert.Contains("distinfer_metrics_source_up{source=\"FailingSource\"} 0", text, StringComparison.Ordinal);
        Assert.DoesNotContain("half_written", text, StringComparison.Ordinal);
    }

    private sealed class FailingSource : IMetricsSource
    {
        public ValueTask WriteAsync(PrometheusWriter writer, CancellationToken cancellationToken)
        {
            writer.Family("half_written", "gauge", "written before the failure");
            writer.Sample("half_written", 1);
            throw new InvalidOperationException("silo unreachable");
        }
    }
}
