namespace DistInfer.Runtime.Membership;

/// <summary>
/// Seam to the messaging layer: sends one liveness probe (ping) to a silo. The runtime implements it over its
/// silo-to-silo connections; tests use a fake network.
/// </summary>
public interface IProbeTransport
{
    /// <summary>
    /// True when <paramref name="target"/> answered. False or an exception counts as a missed probe; the agent
    /// cancels <paramref name="cancellationToken"/> at the probe timeout (and stops waiting even if ignored).
    /// </summary>
    Task<bool> ProbeAsync(SiloAddress target, CancellationToken cancellationToken);
}
