using DistInfer.Runtime.Client;
using Microsoft.Extensions.Hosting;

namespace DistInfer.Runtime.Hosting;

internal sealed class ClusterClientHostedService(IClusterClient client) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => client.ConnectAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => client.CloseAsync();
}
