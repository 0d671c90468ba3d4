using Microsoft.Extensions.Hosting;

namespace DistInfer.Silo.Hosting;

/// <summary>Starts the grain runtime's silo with the host and stops it (deactivating grains, leaving membership) with it.</summary>
internal sealed class SiloRunner(Runtime.Hosting.Silo silo) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => silo.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => silo.StopAsync(cancellationToken);
}
