using System.Collections.Concurrent;
using DistInfer.Silo.Http;
using DistInfer.Silo.Serving;
using Microsoft.Extensions.Options;

namespace DistInfer.Silo.Metrics;

/// <summary>
/// The API's request metrics (named like vLLM's, prefixed distinfer_): load gauges, token counters, latency
/// histograms per model, successes per finish reason, errors per status, dynamic routing outcomes.
/// </summary>
public sealed class RequestMetrics : IMetricsSource
{
    private const int RateSeconds = 10;
    private const int HistorySeconds = 60;

    private readonly ConcurrentDictionary<string, ModelRequestMetrics> _models = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Alias, string Outcome), long> _routing = new();
    private readonly ConcurrentDictionary<int, long> _errors = new();
    private readonly IInferenceService _service;
    private readonly RateWindow _requests;
    private readonly RateWindow _tokens;
    private readonly LatencyReservoir _latencies;
    private long _requestsTotal;

    public RequestMetrics(IInferenceService service, TimeProvider time, IOptions<HttpApiOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _service = service;
        _requests = new RateWindow(time);
        _tokens = new RateWindow(time);
        _latencies = new LatencyReservoir(options.Value.LatencySampleSize);
    }

    public ModelRequestMetrics For(string model) => _models.GetOrAdd(model, _ => new ModelRequestMetrics());

    public void AddGeneratedTokens(string model, int count)
    {
        For(model).AddGenerationTokens(count);
        _tokens.Add(count);
    }

    public void RecordSuccess(string model, string finishReason, double endToEndSeconds)
    {
        var m = For(model);
        m.Successes.AddOrUpdate(finishReason, 1, (_, n) => n + 1);
        m.EndToEndLatency.Observe(endToEndSeconds);
        _latencies.Add(endToEndSeconds);
        _requests.Add(1);
        Interlocked.Increment(ref _requestsTotal);
    }

    public void RecordError(int status) => _errors.AddOrUpdate(status, 1, (_, n) => n + 1);

    /// <summary>Counts a dynamic routing decision; outcome is "small" or "escalated".</summary>
    public void RecordRouting(string alias, string outcome) => _routing.AddOrUpdate((alias, outcome), 1, (_, n) => n + 1);

    public long RoutingCount(string alias, string outcome) => _routing.TryGetValue((alias, outcome), out var n) ? n : 0;

    public RequestStats Stats()
    {
        var (running, waiting) = _service.Load;
        long errors = 0;
        foreach (var e in _errors)
        {
            errors += e.Value;
        }

        return new RequestStats
        {
            RequestsPerSecond = _requests.Rate(RateSeconds),
            TokensPerSecond = _tokens.Rate(RateSeconds),
            P50LatencySeconds = _latencies.Percentile(0.5),
            P99LatencySeconds = _latencies.Percentile(0.99),
            RequestsTotal = Interlocked.Read(ref _requestsTotal),
            ErrorsTotal = errors,
            Running = running,
            Waiting = waiting,
            RequestsHistory = _requests.History(HistorySeconds),
            TokensHistory = _tokens.History(HistorySeconds),
        };
    }

    public ValueTask WriteAsync(PrometheusWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var (running, waiting) = _service.Load;
        writer.Family("distinfer_requests_running", "gauge", "Requests being generated.");
        writer.Sample("distinfer_requests_running", running);
        writer.Family("distinfer_requests_waiting", "gauge", "Requests queued for generation.");
        writer.Sample("distinfer_requests_waiting", waiting);

        var models = _models.ToArray();
        Array.Sort(models, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        writer.Family("distinfer_prompt_tokens_total", "counter", "Prompt tokens processed.");
        foreach (var (name, m) in models)
        {
            writer.Sample("distinfer_prompt_tokens_total", m.PromptTokens, PrometheusWriter.Label("model", name));
        }

        writer.Family("distinfer_generation_tokens_total", "counter", "Tokens generated.");
        foreach (var (name, m) in models)
        {
            writer.Sample("distinfer_generation_tokens_total", m.GenerationTokens, PrometheusWriter.Label("model", name));
        }

        writer.Family("distinfer_request_success_total", "counter", "Requests finished, by finish reason.");
        foreach (var (name, m) in models)
        {
            foreach (var (reason, n) in m.Successes)
            {
                writer.Sample("distinfer_request_success_total", n, PrometheusWriter.Label("model", name), PrometheusWriter.Label("finish_reason", reason));
            }
        }

        WriteHistograms(writer, models, "distinfer_time_to_first_token_seconds", "Time from request to first generated token.", m => m.TimeToFirstToken);
        WriteHistograms(writer, models, "distinfer_inter_token_latency_seconds", "Time between consecutive generated tokens.", m => m.InterTokenLatency);
        WriteHistograms(writer, models, "distinfer_e2e_request_latency_seconds", "Time from request to last token.", m => m.EndToEndLatency);

        writer.Family("distinfer_request_errors_total", "counter", "Requests refused or failed, by HTTP status; a stream that failed after it began (200 sent) counts under the status its error maps to.");
        foreach (var (status, n) in _errors)
        {
            writer.Sample("distinfer_request_errors_total", n, PrometheusWriter.Label("status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        writer.Family("distinfer_routing_decisions_total", "counter", "Dynamic routing decisions: answered by the small model or escalated.");
        foreach (var ((alias, outcome), n) in _routing)
        {
            writer.Sample("distinfer_routing_decisions_total", n, PrometheusWriter.Label("alias", alias), PrometheusWriter.Label("outcome", outcome));
        }

        return ValueTask.CompletedTask;
    }

    private static void WriteHistograms(PrometheusWriter writer, KeyValuePair<string, ModelRequestMetrics>[] models, string name, string help, Func<ModelRequestMetrics, Histogram> pick)
    {
        writer.Family(name, "histogram", help);
        foreach (var (model, m) in models)
        {
            writer.Histogram(name, pick(m).Snapshot(), PrometheusWriter.Label("model", model));
        }
    }
}
