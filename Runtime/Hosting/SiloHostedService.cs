using Microsoft.Extensions.Hosting;

namespace DistInfer.Runtime.Hosting;

internal sealed class SiloHostedService(Silo silo) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => silo.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => silo.StopAsync(cancellationToken);
}
