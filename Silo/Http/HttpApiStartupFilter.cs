using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;

namespace DistInfer.Silo.Http;

/// <summary>
/// Puts CORS and the error bodies of unmatched routes in front of the host's pipeline: both must see requests that
/// no endpoint takes (preflights, unknown paths), which <see cref="HttpApiEndpointRouteBuilderExtensions.MapDistInferHttp"/> cannot.
/// </summary>
internal sealed class HttpApiStartupFilter(IOptions<HttpApiOptions> options) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var cors = options.Value.CorsOrigins.Count > 0 ? new CorsResponder(options.Value.CorsOrigins) : null;
        app.Use(async (context, rest) =>
        {
            if (cors?.Handle(context) == true)
            {
                return;
            }

            await rest(context).ConfigureAwait(false);
            await UnmatchedRoutes.WriteAsync(context).ConfigureAwait(false);
        });
        next(app);
    };
}
