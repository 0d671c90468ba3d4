using DistInfer.Grains.Fabric;

namespace DistInfer.Silo.Metrics;

/// <summary>
/// distinfer_gateway_*: generations clients outside the cluster (SDK, CLI) ran through this silo's gateway, beside the
/// HTTP API's own distinfer_request_* families. Nothing without the fabric (a silo serving only in-process).
/// </summary>
public sealed class GatewayMetricsSource(GatewayCounters? counters) : IMetricsSource
{
    public ValueTask WriteAsync(PrometheusWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (counters is null)
        {
            return ValueTask.CompletedTask;
        }

        writer.Family("distinfer_gateway_requests_total", "counter", "Generations run for clients through the gateway (SDK, CLI), by outcome: a finish reason, cancelled or error.");
        foreach (var (model, outcome, count) in counters.FinishedCounts())
        {
            writer.Sample("distinfer_gateway_requests_total", count, PrometheusWriter.Label("model", model), PrometheusWriter.Label("outcome", outcome));
        }

        writer.Family("distinfer_gateway_generation_tokens_total", "counter", "Tokens generated for clients through the gateway (SDK, CLI).");
        foreach (var (model, tokens) in counters.TokenCounts())
        {
            writer.Sample("distinfer_gateway_generation_tokens_total", tokens, PrometheusWriter.Label("model", model));
        }

        return ValueTask.CompletedTask;
    }
}
