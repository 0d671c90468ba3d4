using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace DistInfer.Silo.Http;

/// <summary>
/// Cross-origin access as vLLM's defaults give it (any origin, method and header, no credentials), limited to
/// <see cref="HttpApiOptions.CorsOrigins"/>. Preflights are answered before routing and key checks: browsers send
/// them without the Authorization header.
/// </summary>
internal sealed class CorsResponder(IEnumerable<string> origins)
{
    private const string Methods = "GET, POST, HEAD, OPTIONS, PUT, PATCH, DELETE";
    private readonly HashSet<string> _origins = new(origins, StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds the CORS headers for an allowed Origin; true when the request was a preflight, answered here (204).</summary>
    public bool Handle(HttpContext context)
    {
        var request = context.Request;
        var origin = request.Headers.Origin.ToString();
        var any = _origins.Contains("*");
        if (origin.Length == 0 || !(any || _origins.Contains(origin)))
        {
            return false;
        }

        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = any ? "*" : origin;
        if (!any)
        {
            // The answer depends on the Origin: caches must not hand it to another page.
            headers.Vary = "Origin";
        }

        if (HttpMethods.IsOptions(request.Method) && !StringValues.IsNullOrEmpty(request.Headers.AccessControlRequestMethod))
        {
            headers.AccessControlAllowMethods = Methods;

            // Echoed rather than "*", which would not cover Authorization.
            if (!StringValues.IsNullOrEmpty(request.Headers.AccessControlRequestHeaders))
            {
                headers.AccessControlAllowHeaders = request.Headers.AccessControlRequestHeaders;
            }

            headers.AccessControlMaxAge = "600";
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return true;
        }

        // Pages may read which model answered behind a route.
        headers.AccessControlExposeHeaders = ResponseWriter.ModelHeader;
        return false;
    }
}
