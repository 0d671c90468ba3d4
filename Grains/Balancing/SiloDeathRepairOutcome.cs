namespace DistInfer.Grains.Balancing;

/// <summary>
/// What one repair after silo deaths did: the dead silos it answered, and per model the balancer's result (null
/// where that model's repair failed; <see cref="Errors"/> says why).
/// </summary>
public sealed record SiloDeathRepairOutcome(
    IReadOnlyList<string> DeadSilos,
    IReadOnlyDictionary<string, RebalanceResult?> Results,
    IReadOnlyDictionary<string, Exception> Errors);
