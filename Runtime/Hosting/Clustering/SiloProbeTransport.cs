using DistInfer.Runtime.Membership;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Runtime.Hosting.Clustering;

/// <summary>
/// Membership probes over the silo-to-silo connections: a Ping control frame answered by a Pong. A refused
/// connect or a lost connection fails the probe at once; silence is cut off by the agent's probe timeout.
/// </summary>
internal sealed class SiloProbeTransport : IProbeTransport
{
    private readonly IServiceProvider _services;
    private Silo? _silo;

    // The silo is resolved on first use: it depends on membership, which depends on this transport.
    public SiloProbeTransport(IServiceProvider services) => _services = services;

    public async Task<bool> ProbeAsync(SiloAddress target, CancellationToken cancellationToken)
    {
        var silo = _silo ??= _services.GetRequiredService<Silo>();
        var connection = await silo.Connections.GetAsync(target).WaitAsync(cancellationToken).ConfigureAwait(false);
        return await silo.Messages.PingAsync(connection, target.ToString(), cancellationToken).ConfigureAwait(false);
    }
}
