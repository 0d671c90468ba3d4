using System.Net;

namespace DistInfer.Runtime.Client;

/// <summary>Where a client finds gateways when it has no static list (e.g. the membership table).</summary>
public interface IGatewayListProvider
{
    /// <summary>Gateways of cluster <paramref name="clusterId"/> that are active now (may be empty).</summary>
    Task<IReadOnlyList<IPEndPoint>> GetGatewaysAsync(string clusterId, CancellationToken cancellationToken = default);
}
