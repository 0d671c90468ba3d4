using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Tests.ClusterMembership;

/// <summary>
/// Probe transport for agent tests: each silo answers, refuses (a killed process: fails at once) or hangs (a
/// host gone: no answer until the prober gives up); single links can be cut to model partitions.
/// </summary>
public sealed class FakeNetwork
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SiloAddress, SiloReachability> _silos = [];
    private readonly HashSet<(SiloAddress From, SiloAddress To)> _cut = [];
    private readonly Dictionary<SiloAddress, int> _probesSent = [];

    public enum SiloReachability
    {
        Up,
        Refusing,
        Hanging,
    }

    public void Set(SiloAddress silo, SiloReachability state)
    {
        lock (_lock)
        {
            _silos[silo] = state;
        }
    }

    public void Cut(SiloAddress from, SiloAddress to)
    {
        lock (_lock)
        {
            _cut.Add((from, to));
        }
    }

    public void Heal(SiloAddress from, SiloAddress to)
    {
        lock (_lock)
        {
            _cut.Remove((from, to));
        }
    }

    /// <summary>How many probes <paramref name="prober"/> has sent.</summary>
    public int ProbesSentBy(SiloAddress prober)
    {
        lock (_lock)
        {
            return _probesSent.GetValueOrDefault(prober);
        }
    }

    public IProbeTransport From(SiloAddress prober) => new Transport(this, prober);

    private Task<bool> Probe(SiloAddress from, SiloAddress to, CancellationToken cancellationToken)
    {
        SiloReachability state;
        lock (_lock)
        {
            _probesSent[from] = _probesSent.GetValueOrDefault(from) + 1;
            state = _cut.Contains((from, to)) ? SiloReachability.Refusing : _silos.GetValueOrDefault(to, SiloReachability.Refusing);
        }

        if (state != SiloReachability.Hanging)
        {
            return Task.FromResult(state == SiloReachability.Up);
        }

        var reply = new TaskCompletionSource<bool>();
        cancellationToken.Register(() => reply.TrySetCanceled(cancellationToken));
        return reply.Task;
    }

    private sealed class Transport(FakeNetwork network, SiloAddress from) : IProbeTransport
    {
        public Task<bool> ProbeAsync(SiloAddress target, CancellationToken cancellationToken) =>
            network.Probe(from, target, cancellationToken);
    }
}
