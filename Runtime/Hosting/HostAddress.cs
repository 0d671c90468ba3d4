using System.Net;
using System.Net.Sockets;

namespace DistInfer.Runtime.Hosting;

/// <summary>
/// Host names as silo addresses need them: an IP address. Silos listen on and advertise IPs, and connecting parses
/// the address, so a name such as localhost failed with "An invalid IP address was specified".
/// </summary>
public static class HostAddress
{
    /// <summary><paramref name="host"/> as given when it is an IP address, else resolved (IPv4 first); null when it does not resolve.</summary>
    public static string? TryResolve(string host) => TryResolve(host, out _);

    /// <inheritdoc cref="TryResolve(string)"/>
    /// <param name="host">A name or an IP address.</param>
    /// <param name="error">Why it did not resolve, when the resolver said.</param>
    public static string? TryResolve(string host, out Exception? error)
    {
        error = null;
        if (IPAddress.TryParse(host, out _))
        {
            return host;
        }

        try
        {
            var addresses = Dns.GetHostAddresses(host);
            return (Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault())?.ToString();
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            error = e;
            return null;
        }
    }
}
