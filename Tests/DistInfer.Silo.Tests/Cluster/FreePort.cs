using System.Net;
using System.Net.Sockets;

namespace DistInfer.Silo.Tests.Cluster;

/// <summary>
/// A loopback port nobody listens on right now (the OS picks it), never one this process handed out before: the OS
/// may give a just-released port again, and a silo once got the same port for its gateway and its HTTP API.
/// </summary>
internal static class FreePort
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        lock (Given)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
