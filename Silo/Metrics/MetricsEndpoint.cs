using System.Text;
using Microsoft.AspNetCore.Http;

namespace DistInfer.Silo.Metrics;

/// <summary>GET /metrics: every registered <see cref="IMetricsSource"/>, in registration order.</summary>
internal sealed class MetricsEndpoint(IEnumerable<IMetricsSource> sources)
{
    public async Task ScrapeAsync(HttpContext context)
    {
        var writer = new PrometheusWriter();
        foreach (var source in sources)
        {
            await source.WriteAsync(writer, context.RequestAborted).ConfigureAwait(false);
        }

        context.Response.ContentType = PrometheusWriter.ContentType;
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(writer.ToString()), context.RequestAborted).ConfigureAwait(false);
    }
}
