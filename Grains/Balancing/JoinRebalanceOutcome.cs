namespace DistInfer.Grains.Balancing;

/// <summary>
/// What one rebalance on join did: the silos whose joins it answered, and per model the balancer's result (null
/// where that model's rebalance failed; <see cref="Errors"/> says why).
/// </summary>
public sealed record JoinRebalanceOutcome(
    IReadOnlyList<string> JoinedSilos,
    IReadOnlyDictionary<string, RebalanceResult?> Results,
    IReadOnlyDictionary<string, Exception> Errors);
