namespace DistInfer.Silo.Metrics;

/// <summary>
/// Something that contributes series to /metrics. Register more with
/// <c>services.AddSingleton&lt;IMetricsSource, MySource&gt;()</c>; the exposition enumerates them all on each scrape.
/// </summary>
public interface IMetricsSource
{
    /// <summary>Writes current values; called on scrape only, so keep it cheap and non-blocking.</summary>
    ValueTask WriteAsync(PrometheusWriter writer, CancellationToken cancellationToken);
}
