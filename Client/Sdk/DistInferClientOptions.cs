namespace DistInfer.Client;

/// <summary>Where the client connects: silo gateways (HOST:PORT) of one cluster.</summary>
public sealed class DistInferClientOptions
{
    public IList<string> Gateways { get; } = [];
    public string ClusterId { get; set; } = "dev";

    /// <summary>How long one poll for new tokens may wait on the silo.</summary>
    public TimeSpan PollWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a generation whose gateway died keeps trying to go on through another silo (zero: never).</summary>
    public TimeSpan ResumeWindow { get; set; } = TimeSpan.FromMinutes(2);
}
