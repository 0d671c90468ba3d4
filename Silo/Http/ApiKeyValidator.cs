using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace DistInfer.Silo.Http;

/// <summary>
/// Checks "Authorization: Bearer &lt;key&gt;" against the configured keys in constant time. With no keys configured,
/// only connections to a loopback address are served (a second line behind the startup check).
/// </summary>
internal sealed class ApiKeyValidator
{
    /// <summary>The cookie that carries a key for browsers (set by /dashboard?key=), accepted by the observability endpoints.</summary>
    public const string CookieName = "distinfer_key";

    private const string Scheme = "Bearer ";
    private readonly byte[][] _keys;

    public ApiKeyValidator(IOptions<HttpApiOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = [.. options.Value.ApiKeys.Select(Encoding.UTF8.GetBytes)];
    }

    public void Check(HttpContext context)
    {
        if (_keys.Length == 0)
        {
            var local = context.Connection.LocalIpAddress;
            if (local is not null && !IPAddress.IsLoopback(local))
            {
                throw Unauthorized("API keys are required beyond loopback and none are configured on this silo");
            }

            return;
        }

        string? header = context.Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw Unauthorized("missing API key: send the header 'Authorization: Bearer <key>'");
        }

        if (!Matches(header[Scheme.Length..].Trim()))
        {
            throw Unauthorized("incorrect API key provided");
        }
    }

    /// <summary>
    /// The check of /metrics, /api/cluster and /dashboard: a bearer header (Prometheus scrapers send one), else the
    /// key cookie a browser got from /dashboard?key=.
    /// </summary>
    public void CheckObservability(HttpContext context)
    {
        string? header = context.Request.Headers.Authorization;
        if (!string.IsNullOrEmpty(header))
        {
            Check(context);
            return;
        }

        if (!context.Request.Cookies.TryGetValue(CookieName, out var cookie))
        {
            throw Unauthorized("missing API key: send the header 'Authorization: Bearer <key>', or open /dashboard?key=<key> in a browser");
        }

        if (!Matches(cookie))
        {
            throw Unauthorized("incorrect API key provided");
        }
    }

    /// <summary>Whether <paramref name="presented"/> is one of the keys; every key is compared, in constant time.</summary>
    public bool Matches(string presented)
    {
        var bytes = Encoding.UTF8.GetBytes(presented);
        var match = false;
        foreach (var key in _keys)
        {
            match |= CryptographicOperations.FixedTimeEquals(bytes, key);
        }

        return match;
    }

    private static ApiException Unauthorized(string message) => new(401, message, code: "invalid_api_key");
}
