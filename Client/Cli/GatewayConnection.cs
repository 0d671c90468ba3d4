using System.Net.Sockets;
using DistInfer.Engine;
using DistInfer.Grains;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Messaging;
using Microsoft.Extensions.Options;

namespace DistInfer.Cli;

/// <summary>Connects the CLI to a cluster through a silo's gateway.</summary>
internal static class GatewayConnection
{
    public static async Task<ClusterClient> ConnectAsync(string gateway, string clusterId = "dev")
    {
        // The generated proxies register themselves when their assembly's module initializer runs.
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(IFrontGrain).Module.ModuleHandle);
        var options = new ClusterClientOptions { ClusterId = clusterId };
        options.Gateways.Add(gateway);
        ClusterClient client;
        try
        {
            // The constructor parses the address: "HOST" without a port fails here, before any connection.
            client = new ClusterClient(Options.Create(options));
        }
        catch (FormatException e) when (e.InnerException is SocketException)
        {
            // A host name is resolved here too: one that does not resolve is not a format error.
            throw new DistInferException($"cannot reach the gateway at {gateway}: {e.Message}");
        }
        catch (FormatException)
        {
            throw new DistInferException($"--gateway {gateway} is not HOST:PORT (e.g. 127.0.0.1:11111)");
        }

        try
        {
            await client.ConnectAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException or InvalidOperationException or FormatException or SiloUnavailableException)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new DistInferException($"cannot reach the gateway at {gateway}: {e.Message}");
        }

        try
        {
            // A TCP connect succeeds on any open port; a ping proves a silo answers before the command's first call.
            using var timeout = new CancellationTokenSource(options.Messaging.ResponseTimeout);
            await client.PingGatewayAsync(timeout.Token).ConfigureAwait(false);
            return client;
        }
        catch (Exception e) when (e is SiloUnavailableException or OperationCanceledException)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            var how = e is OperationCanceledException ? $"within {options.Messaging.ResponseTimeout.TotalSeconds:0} s" : "(it closed the connection)";
            throw new DistInferException($"{gateway} did not answer as a DistInfer gateway {how}: an HTTP port? The gateway is the silo port (--silo-port, 11111 by default)");
        }
    }

    public static IFrontGrain Front(ClusterClient client) => client.GetGrain<IFrontGrain>("cli");
}
