using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Messaging;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Tests.SiloClustering;

/// <summary>
/// A gateway that takes no connections (host off, packets dropped): connecting used to wait for the kernel's SYN
/// retries, about two minutes, for every caller sharing the attempt.
/// </summary>
public sealed class ConnectTimeoutTests
{
    [Fact]
    public async Task ConnectAsync_GatewayDropsConnectionAttempts_FailsAfterTheConnectTimeoutNamingIt()
    {
        using var stuck = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        stuck.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        stuck.Listen(1);
        var endpoint = (IPEndPoint)stuck.LocalEndPoint!;
        var fillers = await FillAcceptQueueAsync(endpoint);
        try
        {
            var options = new ClusterClientOptions { ClusterId = "stuck", Messaging = new MessagingOptions { ConnectTimeout = TimeSpan.FromSeconds(1) } };
            options.Gateways.Add($"127.0.0.1:{endpoint.Port}");
            await using var client = new ClusterClient(Options.Create(options));
            var watch = Stopwatch.StartNew();

            var error = await Assert.ThrowsAsync<SiloUnavailableException>(() => client.ConnectAsync());

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
            Assert.Contains($"127.0.0.1:{endpoint.Port}", error.Message, StringComparison.Ordinal);
            Assert.Contains("no answer within 1 s", error.InnerException?.Message ?? error.Message, StringComparison.Ordinal);
        }
        finally
        {
            fillers.ForEach(s => s.Dispose());
        }
    }

    /// <summary>Connections until one does not complete: the listener's queue is full and it drops further SYNs.</summary>
    private static async Task<List<Socket>> FillAcceptQueueAsync(IPEndPoint endpoint)
    {
        var fillers = new List<Socket>();
        for (var i = 0; i < 16; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var limit = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                await socket.ConnectAsync(endpoint, limit.Token);
                fillers.Add(socket);
            }
            catch (OperationCanceledException)
            {
                socket.Dispose();
                return fillers;
            }
        }

        fillers.ForEach(s => s.Dispose());
        throw new InvalidOperationException("the listener's accept queue never filled: cannot play a gateway that drops connection attempts");
    }
}
