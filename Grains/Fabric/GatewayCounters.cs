using System.Collections.Concurrent;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// Generations that clients outside the cluster (SDK, CLI) ran through this silo's gateway, for the silo's metrics: the
/// HTTP API counts its own requests, and before these were counted nowhere.
/// </summary>
public sealed class GatewayCounters
{
    /// <summary>Outcome of a generation stopped by its client (cancelled, left, or not polled any more).</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Outcome of a generation that failed.</summary>
    public const string Failed = "error";

    private readonly ConcurrentDictionary<(string Model, string Outcome), long> _finished = new();
    private readonly ConcurrentDictionary<string, long> _tokens = new(StringComparer.Ordinal);

    /// <summary>A generation ended: its finish reason ("length", "stop"), <see cref="Cancelled"/> or <see cref="Failed"/>.</summary>
    public void Finished(string model, string outcome) => _finished.AddOrUpdate((model, outcome), 1, static (_, n) => n + 1);

    public void Generated(string model, int tokens)
    {
        if (tokens > 0)
        {
            _tokens.AddOrUpdate(model, tokens, (_, n) => n + tokens);
        }
    }

    /// <summary>Generations ended, per model and outcome, in name order.</summary>
    public IReadOnlyList<(string Model, string Outcome, long Count)> FinishedCounts() =>
        [.. _finished.Select(p => (p.Key.Model, p.Key.Outcome, p.Value)).OrderBy(p => p.Model, StringComparer.Ordinal).ThenBy(p => p.Outcome, StringComparer.Ordinal)];

    /// <summary>Tokens generated, per model, in name order.</summary>
    public IReadOnlyList<(string Model, long Tokens)> TokenCounts() =>
        [.. _tokens.Select(p => (p.Key, p.Value)).OrderBy(p => p.Key, StringComparer.Ordinal)];
}
