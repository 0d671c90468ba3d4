using System.Text.RegularExpressions;
using DistInfer.Engine;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Messaging;

namespace DistInfer.Cli;

/// <summary>
/// The message for a rebalance whose call failed because a silo went away: the gateway itself, or the silo the
/// gateway forwarded to. Such a failure reaches the CLI as the runtime's "Cannot connect to HOST:PORT@GEN" or
/// "Connection to ... was lost", which said neither which silo nor that the rebalance may be partial.
/// </summary>
internal static partial class RebalanceInterruption
{
    public static async Task<DistInferException> DescribeAsync(ClusterClient client, string gateway, string model, SiloUnavailableException e)
    {
        var match = SiloAddressPattern().Match(e.Message);
        string who;
        var rerun = "run `distinfer rebalance` again once `distinfer status` shows that silo Dead (a killed silo is declared dead within seconds)";
        if (!match.Success)
        {
            who = $"the gateway {gateway} or a silo behind it";
        }
        else if (IsGateway($"{match.Groups["host"].Value}:{match.Groups["port"].Value}", gateway, client))
        {
            who = $"the gateway silo {match.Value}";
            rerun = "run `distinfer rebalance` again through another silo's --gateway";
        }
        else
        {
            who = $"silo {await NameOfAsync(client, match.Value).ConfigureAwait(false)}";
        }

        return new DistInferException($"rebalance of model {model} was interrupted: {who} could not be reached, it may have died ({e.Message}). "
            + $"The rebalance may be partial: {rerun}.", e);
    }

    // The runtime names the gateway by the address its --gateway resolved to ("localhost:11111" is 127.0.0.1:11111@0).
    private static bool IsGateway(string endpoint, string gateway, ClusterClient client)
    {
        var resolved = client.CurrentGateway;
        var at = resolved.LastIndexOf('@');
        return string.Equals(endpoint, gateway, StringComparison.OrdinalIgnoreCase)
            || string.Equals(endpoint, at > 0 ? resolved[..at] : resolved, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>"NAME (ADDRESS)" from the cluster's status when the gateway still answers; else the address alone.</summary>
    private static async Task<string> NameOfAsync(ClusterClient client, string address)
    {
        try
        {
            var status = await GatewayConnection.Front(client).Status().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            var row = status.Silos.FirstOrDefault(s => s.Address == address);
            return row is null || row.Name.Length == 0 ? address : $"{row.Name} ({address})";
        }
        catch (Exception x) when (x is SiloUnavailableException or TimeoutException or Runtime.RemoteGrainException or DistInferException)
        {
            return address;
        }
    }

    [GeneratedRegex(@"(?<host>[^\s()]+):(?<port>\d+)@\d+")]
    private static partial Regex SiloAddressPattern();
}
