using DistInfer.Grains.Fabric;
using DistInfer.Silo.Metrics;

namespace DistInfer.Silo.Tests;

public sealed class GatewayMetricsSourceTests
{
    [Fact]
    public async Task WriteAsync_CountedGenerations_FamiliesPerModelAndOutcome()
    {
        var counters = new GatewayCounters();
        counters.Finished("demo", "length");
        counters.Finished("demo", "length");
        counters.Finished("demo", GatewayCounters.Cancelled);
        counters.Generated("demo", 37);
        var writer = new PrometheusWriter();

        await new GatewayMetricsSource(counters).WriteAsync(writer, CancellationToken.None);

        var lines = writer.ToString().Split('\n');
        Assert.Contains("# TYPE distinfer_gateway_requests_total counter", lines);
        Assert.Contains("distinfer_gateway_requests_total{model=\"demo\",outcome=\"cancelled\"} 1", lines);
        Assert.Contains("distinfer_gateway_requests_total{model=\"demo\",outcome=\"length\"} 2", lines);
        Assert.Contains("distinfer_gateway_generation_tokens_total{model=\"demo\"} 37", lines);
    }

    [Fact]
    public async Task WriteAsync_NoFabric_WritesNothing()
    {
        var writer = new PrometheusWriter();

        await new GatewayMetricsSource(null).WriteAsync(writer, CancellationToken.None);

        Assert.Empty(writer.ToString());
    }
}
