namespace DistInfer.Cli;

/// <summary>The human-readable form of a <see cref="BenchReport"/>.</summary>
internal static class BenchReportPrinter
{
    public static void Print(BenchReport r, TextWriter o)
    {
        o.WriteLine($"model {r.Model} via {r.Gateway}: {r.Requests} requests, {r.Concurrency} in flight, {r.PromptTokens} prompt tokens, {r.MaxNewTokens} new tokens each");
        o.WriteLine($"completed {r.Completed}, failed {r.Failed}, in {r.DurationSeconds:F2} s");
        o.WriteLine($"throughput: {r.RequestsPerSecond:F2} requests/s, {r.OutputTokensPerSecond:F1} output tokens/s ({r.OutputTokens} tokens)");
        o.WriteLine($"{"latency (ms)",-22} {"mean",9} {"p50",9} {"p90",9} {"p99",9} {"max",9} {"samples",8}");
        Row(o, "time to first token", r.TimeToFirstToken);
        Row(o, "inter-token latency", r.InterTokenLatency);
        Row(o, "end-to-end", r.EndToEndLatency);
        foreach (var (message, count) in r.Errors)
        {
            o.WriteLine($"error ({count}x): {message}");
        }
    }

    private static void Row(TextWriter o, string name, LatencySummary s) =>
        o.WriteLine($"{name,-22} {s.MeanMs,9:F1} {s.P50Ms,9:F1} {s.P90Ms,9:F1} {s.P99Ms,9:F1} {s.MaxMs,9:F1} {s.Samples,8}");
}
