namespace DistInfer.Runtime.Client;

/// <summary>A connection to the cluster from outside it: grain calls go through a gateway silo.</summary>
public interface IClusterClient : IGrainFactory, IAsyncDisposable
{
    bool IsConnected { get; }

    Task ConnectAsync(CancellationToken cancellationToken = default);

    Task CloseAsync();
}
