using Microsoft.AspNetCore.Http;

namespace DistInfer.Silo.Http;

/// <summary>
/// Puts /metrics, /api/cluster and /dashboard behind the API keys when keys are configured and the silo listens
/// beyond loopback (on loopback alone they stay open, for the local operator). A browser opens /dashboard?key=KEY
/// once: the key goes into an HttpOnly cookie and the page reloads without it in the address.
/// </summary>
internal sealed class ObservabilityGuard(ApiKeyValidator keys, bool required)
{
    public const string DashboardPath = "/dashboard";

    public bool Required => required;

    public RequestDelegate Wrap(RequestDelegate handler) => required ? context => GuardAsync(context, handler) : handler;

    private async Task GuardAsync(HttpContext context, RequestDelegate handler)
    {
        try
        {
            if (context.Request.Path == DashboardPath && context.Request.Query.TryGetValue("key", out var key))
            {
                if (!keys.Matches(key.ToString()))
                {
                    throw new ApiException(401, "incorrect API key provided", code: "invalid_api_key");
                }

                context.Response.Cookies.Append(ApiKeyValidator.CookieName, key.ToString(), new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Secure = context.Request.IsHttps,
                    Path = "/",
                });
                context.Response.Redirect(DashboardPath);
                return;
            }

            keys.CheckObservability(context);
        }
        catch (ApiException e)
        {
            await ApiErrors.WriteAsync(context, e).ConfigureAwait(false);
            return;
        }

        await handler(context).ConfigureAwait(false);
    }
}
