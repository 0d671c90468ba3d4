using System.Net;

namespace DistInfer.Runtime.Membership;

/// <summary>
/// A silo's endpoint plus its generation (start time stamp), so a restarted silo on the same endpoint is a
/// different silo, as in Orleans.
/// </summary>
public readonly record struct SiloAddress(string Host, int Port, long Generation)
{
    public IPEndPoint ToEndPoint() => new(IPAddress.Parse(Host), Port);

    /// <summary>"host:port@generation", the form used in membership rows and logs.</summary>
    public override string ToString() => $"{Host}:{Port}@{Generation}";

    public static SiloAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.LastIndexOf('@');
        var colon = at < 0 ? -1 : text.LastIndexOf(':', at);
        if (at < 0 || colon < 0
            || !int.TryParse(text.AsSpan(colon + 1, at - colon - 1), out var port)
            || !long.TryParse(text.AsSpan(at + 1), out var generation))
        {
            throw new FormatException($"'{text}' is not a silo address (expected host:port@generation)");
        }

        return new SiloAddress(text[..colon], port, generation);
    }
}
