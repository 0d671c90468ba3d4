using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace DistInfer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed partial class MetricsTests(ModelFixture models) : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [GeneratedRegex("""^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? (\+Inf|-Inf|NaN|-?[0-9.eE+-]+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$""")]
    private static partial Regex CommentLine();

    private async Task<Dictionary<string, double>> ScrapeAsync()
    {
        var response = await _silo.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(CommentLine(), line);
                continue;
            }

            Assert.Matches(SampleLine(), line);
            var space = line.LastIndexOf(' ');
            var value = line[(space + 1)..] switch { "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, var v => double.Parse(v, CultureInfo.InvariantCulture) };
            Assert.True(samples.TryAdd(line[..space], value), $"duplicate series {line[..space]}");
        }

        return samples;
    }

    [Fact]
    public async Task Metrics_AfterRequests_ParsesAsPrometheusTextWithCountersMoving()
    {
        var before = await ScrapeAsync();
        await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"The license","max_tokens":5,"temperature":0}""");
        var after = await ScrapeAsync();

        foreach (var name in new[] { "distinfer_requests_running", "distinfer_requests_waiting" })
        {
            Assert.True(after.ContainsKey(name), name);
        }

        static double Get(Dictionary<string, double> s, string key) => s.GetValueOrDefault(key);
        var prompt = models.Service.Find("demo")!.Tokenizer.Encode("The license").Length;
        Assert.True(Get(after, "distinfer_prompt_tokens_total{model=\"demo\"}") - Get(before, "distinfer_prompt_tokens_total{model=\"demo\"}") >= prompt);
        Assert.True(Get(after, "distinfer_generation_tokens_total{model=\"demo\"}") - Get(before, "distinfer_generation_tokens_total{model=\"demo\"}") >= 1);
        var successes = after.Where(kv => kv.Key.StartsWith("distinfer_request_success_total{model=\"demo\",finish_reason=", StringComparison.Ordinal)).Sum(kv => kv.Value);
        var successesBefore = before.Where(kv => kv.Key.StartsWith("distinfer_request_success_total{model=\"demo\",finish_reason=", StringComparison.Ordinal)).Sum(kv => kv.Value);
        Assert.True(successes >= successesBefore + 1);
        foreach (var histogram in new[] { "distinfer_time_to_first_token_seconds", "distinfer_e2e_request_latency_seconds", "distinfer_inter_token_latency_seconds" })
        {
            var count = Get(after, histogram + "_count{model=\"demo\"}");
            Assert.True(count >= 1, histogram);
            Assert.Equal(count, Get(after, histogram + "_bucket{model=\"demo\",le=\"+Inf\"}"));
        }

        Assert.Equal(0, Get(after, "distinfer_expert_load{model=\"demo\",layer=\"0\",expert=\"7\"}"));
        Assert.True(after.ContainsKey("distinfer_expert_load{model=\"demo\",layer=\"3\",expert=\"0\"}"));
    }

    [Fact]
    public async Task Metrics_ErrorsCountedByStatus()
    {
        var before = await ScrapeAsync();
        await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"nope","prompt":"x"}""");
        var after = await ScrapeAsync();

        Assert.Equal(before.GetValueOrDefault("distinfer_request_errors_total{status=\"404\"}") + 1, after["distinfer_request_errors_total{status=\"404\"}"]);
    }

    [Fact]
    public async Task Metrics_RuntimeMeterDistInfer_BridgedAsSeries()
    {
        using var meter = new Meter("DistInfer");
        var calls = meter.CreateCounter<long>("grain.calls", description: "Grain calls made.");
        var activations = 0;
        meter.CreateObservableGauge("grain.activations", () => new Measurement<int>(activations, new KeyValuePair<string, object?>("silo", "s1")));
        var latency = meter.CreateHistogram<double>("grain.call.latency");
        var duration = meter.CreateHistogram<double>("grain.call_duration", "s");

        calls.Add(3, new KeyValuePair<string, object?>("grain_type", "Expert"));
        calls.Add(2, new KeyValuePair<string, object?>("grain_type", "Expert"));
        latency.Record(0.5);
        latency.Record(1.5);
        duration.Record(0.25);
        activations = 7;
        var samples = await ScrapeAsync();

        Assert.Equal(5, samples["distinfer_grain_calls_total{grain_type=\"Expert\"}"]);
        Assert.Equal(7, samples["distinfer_grain_activations{silo=\"s1\"}"]);
        Assert.Equal(2, samples["distinfer_grain_call_latency_count"]);
        Assert.Equal(2.0, samples["distinfer_grain_call_latency_sum"]);
        Assert.Equal(0.25, samples["distinfer_grain_call_duration_seconds_sum"]);
    }
}
