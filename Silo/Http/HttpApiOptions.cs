using System.Net;
using DistInfer.Engine;

namespace DistInfer.Silo.Http;

/// <summary>Options of the OpenAI-compatible API, the metrics endpoint and the dashboard.</summary>
public sealed class HttpApiOptions
{
    /// <summary>Accepted bearer keys. Required (non-empty) whenever the silo listens beyond loopback.</summary>
    public IList<string> ApiKeys { get; } = [];

    /// <summary>
    /// URLs the silo listens on (e.g. "http://0.0.0.0:8080"). The URLs configured on the host ("urls",
    /// ASPNETCORE_URLS, UseUrls) are added to these when the API is mapped.
    /// </summary>
    public IList<string> Urls { get; } = [];

    /// <summary>Largest request body accepted; larger ones get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Model aliases served by dynamic small-then-large routing.</summary>
    public IList<DynamicRoute> Routes { get; } = [];

    /// <summary>Latencies kept for the dashboard's p50/p99 (a ring of the most recent requests).</summary>
    public int LatencySampleSize { get; set; } = 1024;

    /// <summary>
    /// Origins whose browser pages may call the API (CORS): "*" (the default, as vLLM's) for any, or origins as a
    /// browser sends them ("https://app.example.com"). Any method and header is allowed. Empty: no CORS headers.
    /// </summary>
    public IList<string> CorsOrigins { get; } = ["*"];

    /// <summary>True when one of <paramref name="urls"/> is reachable from other machines.</summary>
    public static bool AnyBeyondLoopback(IEnumerable<string> urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        foreach (var url in urls)
        {
            foreach (var one in url.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!IsLoopbackUrl(one))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Throws <see cref="DistInferException"/> naming the first bad setting, given every URL listened on.</summary>
    public void Validate(IEnumerable<string> urls)
    {
        // The same URL may arrive both as an option and as the host's "urls" setting.
        var all = Urls.Concat(urls).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (ApiKeys.Count == 0 && AnyBeyondLoopback(all))
        {
            throw new DistInferException(
                $"the HTTP API listens beyond loopback ({string.Join(", ", all)}) but no API keys are configured: pass --api-key to distinfer-silo (HttpApiOptions.ApiKeys in code)");
        }

        if (ApiKeys.Any(string.IsNullOrWhiteSpace))
        {
            throw new DistInferException("HttpApiOptions.ApiKeys contains an empty key");
        }

        if (MaxRequestBodyBytes <= 0)
        {
            throw new DistInferException($"HttpApiOptions.MaxRequestBodyBytes must be > 0 (got {MaxRequestBodyBytes})");
        }

        foreach (var route in Routes)
        {
            route.Validate();
        }

        foreach (var origin in CorsOrigins)
        {
            if (origin != "*" && !IsOrigin(origin))
            {
                throw new DistInferException($"HttpApiOptions.CorsOrigins: '{origin}' is not an origin (\"*\", or scheme://host[:port] as a browser sends it)");
            }
        }
    }

    private static bool IsOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && uri.PathAndQuery == "/" && uri.Fragment.Length == 0 && !origin.EndsWith('/') && uri.UserInfo.Length == 0;

    private static bool IsLoopbackUrl(string url)
    {
        // Kestrel's wildcard hosts ("*", "+", "0.0.0.0", "[::]") all bind every interface.
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var rest = schemeEnd >= 0 ? url[(schemeEnd + 3)..] : url;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            rest = rest[..slash];
        }

        string host;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            host = close > 0 ? rest[1..close] : rest;
        }
        else
        {
            var colon = rest.LastIndexOf(':');
            host = colon >= 0 ? rest[..colon] : rest;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }
}
