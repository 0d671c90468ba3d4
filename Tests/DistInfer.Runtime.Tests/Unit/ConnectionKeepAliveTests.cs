using System.Net;
using System.Net.Sockets;
using DistInfer.Runtime.Messaging;

namespace DistInfer.Runtime.Tests.Unit;

/// <summary>
/// A peer whose host went away without closing (power, network) was only noticed at the kernel's retransmission limit,
/// about fifteen minutes, if nothing was being sent: connections probe an idle peer instead.
/// </summary>
public sealed class ConnectionKeepAliveTests
{
    [Fact]
    public async Task Connection_DefaultOptions_TcpKeepaliveProbesAfterTheIdleTime()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        using var accepted = await listener.AcceptSocketAsync();

        var connection = new Connection(socket, new IgnoringHandler(), new MessagingOptions { KeepAliveIdle = TimeSpan.FromSeconds(7) });

        Assert.NotEqual(0, (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)!);
        Assert.Equal(7, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime)!);
        Assert.Equal(5, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount)!);
        connection.Close();
    }

    private sealed class IgnoringHandler : IConnectionHandler
    {
        public void OnMessage(Connection connection, in MessageHeader header, ReadOnlySpan<byte> body)
        {
        }

        public void OnOversizeMessage(Connection connection, in MessageHeader header, long length)
        {
        }

        public void OnClosed(Connection connection, Exception? error)
        {
        }
    }
}
