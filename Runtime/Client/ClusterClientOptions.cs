using DistInfer.Runtime.Messaging;

namespace DistInfer.Runtime.Client;

public sealed class ClusterClientOptions
{
    public string ClusterId { get; set; } = "dev";

    /// <summary>Gateway endpoints ("host:port"), tried in order; the client fails over to the next one.</summary>
    public IList<string> Gateways { get; } = [];

    public MessagingOptions Messaging { get; set; } = new();
}
