using System.Text.Json;

namespace DistInfer.Silo.Tests.Cluster;

/// <summary>`distinfer bench` (the real program) against a real silo it reaches through the gateway.</summary>
public sealed class BenchCommandTests : IAsyncLifetime
{
    private HostedSilo _silo = null!;

    public async Task InitializeAsync()
    {
        _silo = await HostedSilo.StartAsync("bench", "bench-test", redis: null);
        var deploy = await CliProcess.RunAsync("deploy", "--gateway", _silo.Gateway, "--cluster-id", "bench-test", "--model", RepoPaths.DemoModel, "--name", "demo", "--stages", "2");
        Assert.True(deploy.ExitCode == 0, deploy.Stderr);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Bench_SixRequestsThreeInFlight_ReportsEveryTokenAndOrderedPercentiles()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync(
            "bench", "--gateway", _silo.Gateway, "--cluster-id", "bench-test", "--model", "demo",
            "--concurrency", "3", "--requests", "6", "--prompt-tokens", "12", "--max-new-tokens", "5", "--warmup", "2", "--json");

        Assert.True(exit == 0, stderr);
        var report = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(6, report.GetProperty("completed").GetInt32());
        Assert.Equal(0, report.GetProperty("failed").GetInt32());
        Assert.Equal(2, report.GetProperty("warmup").GetInt32());

        // Warm-up requests are not counted: 6 requests of 5 tokens.
        Assert.Equal(30, report.GetProperty("output_tokens").GetInt64());
        Assert.Empty(report.GetProperty("errors").EnumerateObject());
        var seconds = report.GetProperty("duration_seconds").GetDouble();
        Assert.Equal(6 / seconds, report.GetProperty("requests_per_second").GetDouble(), 6);
        Assert.Equal(30 / seconds, report.GetProperty("output_tokens_per_second").GetDouble(), 6);

        var ttft = report.GetProperty("time_to_first_token");
        var itl = report.GetProperty("inter_token_latency");
        var e2e = report.GetProperty("end_to_end_latency");
        Assert.Equal(6, ttft.GetProperty("samples").GetInt32());
        Assert.Equal(6, e2e.GetProperty("samples").GetInt32());
        // Four tokens after the first per request, fewer where tokens arrived in the first chunk: with a fast silo a
        // request's five tokens can all come in one chunk, so none at all is possible.
        Assert.InRange(itl.GetProperty("samples").GetInt32(), 0, 24);
        foreach (var summary in new[] { ttft, itl, e2e })
        {
            if (summary.GetProperty("samples").GetInt32() == 0)
            {
                // No inter-token gap measured (every request's tokens came in one chunk): an empty summary.
                Assert.Equal(0, summary.GetProperty("max_ms").GetDouble());
                continue;
            }

            var p50 = summary.GetProperty("p50_ms").GetDouble();
            var p90 = summary.GetProperty("p90_ms").GetDouble();
            var p99 = summary.GetProperty("p99_ms").GetDouble();
            Assert.True(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= summary.GetProperty("max_ms").GetDouble(), summary.ToString());
        }

        // A request ends after its first token arrived, and within the run.
        Assert.True(e2e.GetProperty("max_ms").GetDouble() >= ttft.GetProperty("max_ms").GetDouble());
        Assert.True(e2e.GetProperty("max_ms").GetDouble() <= seconds * 1000);
    }

    [Fact]
    public async Task Bench_TextReport_PrintsThroughputAndLatencyRows()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync(
            "bench", "--gateway", _silo.Gateway, "--cluster-id", "bench-test", "--model", "demo", "--requests", "2", "--max-new-tokens", "3");

        Assert.True(exit == 0, stderr);
        Assert.Contains("completed 2, failed 0", stdout, StringComparison.Ordinal);
        Assert.Contains("output tokens/s (6 tokens)", stdout, StringComparison.Ordinal);
        Assert.Contains("time to first token", stdout, StringComparison.Ordinal);
        Assert.Contains("inter-token latency", stdout, StringComparison.Ordinal);
        Assert.Contains("end-to-end", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--model", "missing", "model 'missing' is not deployed")]
    [InlineData("--concurrency", "0", "--concurrency must be at least 1 (got 0)")]
    [InlineData("--warmup", "-1", "--warmup must be 0 or more (got -1)")]
    public async Task Bench_BadInput_OneLineError(string option, string value, string message)
    {
        string[] model = option == "--model" ? [] : ["--model", "demo"];
        var (exit, _, stderr) = await CliProcess.RunAsync(["bench", "--gateway", _silo.Gateway, "--cluster-id", "bench-test", .. model, option, value]);

        Assert.Equal(1, exit);
        Assert.Equal($"distinfer: {message}", stderr.Trim());
    }
}
