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

        var presented = Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim());
        var match = false;
        foreach (var key in _keys)
        {
            match |= CryptographicOperations.FixedTimeEquals(presented, key);
        }

        if (!match)
        {
            throw Unauthorized("incorrect API key provided");
        }
    }

    private static ApiException Unauthorized(string message) => new(401, message, code: "invalid_api_key");
}
