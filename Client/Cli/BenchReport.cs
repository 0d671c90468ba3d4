namespace DistInfer.Cli;

/// <summary>The outcome of a `distinfer bench` run; latencies over the requests that completed.</summary>
internal sealed record BenchReport
{
    public required string Model { get; init; }
    public required string Gateway { get; init; }
    public int Concurrency { get; init; }
    public int Requests { get; init; }
    public int PromptTokens { get; init; }
    public int MaxNewTokens { get; init; }
    public int Completed { get; init; }
    public int Failed { get; init; }
    public double DurationSeconds { get; init; }
    public long OutputTokens { get; init; }
    public double RequestsPerSecond { get; init; }
    public double OutputTokensPerSecond { get; init; }
    public required LatencySummary TimeToFirstToken { get; init; }

    /// <summary>
    /// Per token after the first chunk: a chunk of k tokens arriving g after the previous one counts k samples of g/k
    /// (tokens that arrive together with the first token are part of the time to first token).
    /// </summary>
    public required LatencySummary InterTokenLatency { get; init; }

    public required LatencySummary EndToEndLatency { get; init; }

    /// <summary>The distinct error messages, with how often each occurred.</summary>
    public required IReadOnlyDictionary<string, int> Errors { get; init; }
}
