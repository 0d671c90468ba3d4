using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistInfer.Runtime.Hosting.Clustering;

/// <summary>
/// Stops the whole host when the cluster declared this silo dead (the silo itself already stopped serving): a
/// silo voted out must not come back under the same identity; its supervisor restarts it with a new generation.
/// </summary>
internal sealed partial class MembershipLifetimeService : IHostedService
{
    private readonly MembershipProtocolService _membership;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly ILogger _logger;

    public MembershipLifetimeService(MembershipProtocolService membership, ILogger<MembershipLifetimeService> logger, IHostApplicationLifetime? lifetime = null)
    {
        _membership = membership;
        _lifetime = lifetime;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _membership.DeclaredDead += OnDeclaredDead;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _membership.DeclaredDead -= OnDeclaredDead;
        return Task.CompletedTask;
    }

    private void OnDeclaredDead(SiloAddress silo)
    {
        LogStopping(_logger, silo.ToString());
        _lifetime?.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Silo {Silo} was declared dead by the cluster; stopping the host")]
    private static partial void LogStopping(ILogger logger, string silo);
}
