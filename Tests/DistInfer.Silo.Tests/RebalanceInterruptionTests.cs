using DistInfer.Cli;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Messaging;
using Microsoft.Extensions.Options;

namespace DistInfer.Silo.Tests;

/// <summary>The CLI's message for a rebalance cut short by a lost silo.</summary>
public sealed class RebalanceInterruptionTests
{
    [Fact]
    public async Task DescribeAsync_GatewayGivenByHostNameLost_NamesTheGatewayAndAnotherGateway()
    {
        // Nothing listens there: the message must come from the error alone.
        const string Gateway = "localhost:1";
        var options = new ClusterClientOptions();
        options.Gateways.Add(Gateway);
        await using var client = new ClusterClient(Options.Create(options));

        // The runtime names the gateway by the address the host name resolved to.
        var error = await RebalanceInterruption.DescribeAsync(client, Gateway, "demo", new SiloUnavailableException("Connection to 127.0.0.1:1@0 was lost while calling Rebalance"));

        // Before, only a --gateway spelled as that address was recognised: this one was "silo 127.0.0.1:1@0", with a
        // rerun once `distinfer status` (through the lost gateway) shows it Dead.
        Assert.Contains("the gateway silo 127.0.0.1:1@0", error.Message, StringComparison.Ordinal);
        Assert.Contains("through another silo's --gateway", error.Message, StringComparison.Ordinal);
    }
}
