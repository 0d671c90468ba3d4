using DistInfer.Silo.Dashboard;

namespace DistInfer.Silo.Metrics;

/// <summary>distinfer_expert_load per (model, layer, expert), summed over replicas, from the cluster view.</summary>
public sealed class ExpertLoadMetricsSource(IClusterView cluster) : IMetricsSource
{
    public async ValueTask WriteAsync(PrometheusWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var snapshot = await cluster.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var totals = new SortedDictionary<(string Model, int Layer, int Expert), double>();
        foreach (var e in snapshot.Experts)
        {
            totals[(e.Model, e.Layer, e.Expert)] = totals.GetValueOrDefault((e.Model, e.Layer, e.Expert)) + e.Load;
        }

        writer.Family("distinfer_expert_load", "gauge", "Tokens routed to an expert, over its replicas.");
        foreach (var ((model, layer, expert), load) in totals)
        {
            writer.Sample(
                "distinfer_expert_load",
                load,
                PrometheusWriter.Label("model", model),
                PrometheusWriter.Label("layer", layer.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                PrometheusWriter.Label("expert", expert.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }
}
