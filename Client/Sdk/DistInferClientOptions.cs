namespace DistInfer.Client;

/// <summary>Where the client connects: silo gateways (HOST:PORT) of one cluster.</summary>
public sealed class DistInferClientOptions
{
    public IList<string> Gateways { get; } = [];
    public string ClusterId { get; set; } = "dev";

    /// <summary>How long one poll for new tokens may wait on the silo.</summary>
    public TimeSpan PollWait { get; set; } = TimeSpan.FromSeconds(1);
}
