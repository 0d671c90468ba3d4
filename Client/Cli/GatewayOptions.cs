using System.CommandLine;
using DistInfer.Runtime.Client;

namespace DistInfer.Cli;

/// <summary>--gateway and --cluster-id, shared by the commands that talk to a cluster.</summary>
internal sealed class GatewayOptions(bool required)
{
    public Option<string?> Gateway { get; } = new("--gateway") { Description = "HOST:PORT of a silo gateway", Required = required };
    public Option<string> ClusterId { get; } = new("--cluster-id") { Description = "the cluster's id", DefaultValueFactory = _ => "dev" };

    public void AddTo(Command command)
    {
        command.Options.Add(Gateway);
        command.Options.Add(ClusterId);
    }

    public Task<ClusterClient> ConnectAsync(ParseResult r) => GatewayConnection.ConnectAsync(r.GetValue(Gateway)!, r.GetValue(ClusterId)!);
}
