using System.Text;
using Microsoft.AspNetCore.Http;

namespace DistInfer.Silo.Metrics;

/// <summary>
/// GET /metrics: every registered <see cref="IMetricsSource"/>, in registration order. Each writes apart and within
/// <see cref="SourceTimeout"/>: one that fails or hangs (a grain call to an unreachable silo) is left out and marked by
/// distinfer_metrics_source_up 0, instead of failing the whole scrape while an incident is on.
/// </summary>
internal sealed class MetricsEndpoint(IEnumerable<IMetricsSource> sources)
{
    public static readonly TimeSpan SourceTimeout = TimeSpan.FromSeconds(5);

    public async Task ScrapeAsync(HttpContext context)
    {
        var writer = new PrometheusWriter();
        var up = new List<(string Source, bool Up)>();
        foreach (var source in sources)
        {
            var part = new PrometheusWriter();
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            limit.CancelAfter(SourceTimeout);
            bool ok;
            try
            {
                await source.WriteAsync(part, limit.Token).AsTask().WaitAsync(limit.Token).ConfigureAwait(false);
                writer.Append(part);
                ok = true;
            }
            catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
            {
                ok = false;
            }

            up.Add((source.GetType().Name, ok));
        }

        writer.Family("distinfer_metrics_source_up", "gauge", "1 when the source's metrics are in this scrape, 0 when it failed or timed out.");
        foreach (var (name, ok) in up)
        {
            writer.Sample("distinfer_metrics_source_up", ok ? 1 : 0, PrometheusWriter.Label("source", name));
        }

        context.Response.ContentType = PrometheusWriter.ContentType;
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(writer.ToString()), context.RequestAborted).ConfigureAwait(false);
    }
}
