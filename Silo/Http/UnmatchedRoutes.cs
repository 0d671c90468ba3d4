using Microsoft.AspNetCore.Http;

namespace DistInfer.Silo.Http;

/// <summary>
/// Gives routing's bare 404 (no such path) and 405 (wrong method) OpenAI's error JSON, naming the method and path, as
/// OpenAI answers an invalid URL: SDKs show the message instead of an empty body.
/// </summary>
internal static class UnmatchedRoutes
{
    private const int MaxShownPath = 200;

    /// <summary>Writes the error body when the pipeline ended in 404 or 405 with nothing written.</summary>
    public static Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        if (response.HasStarted || response.StatusCode is not (StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed)
            || !string.IsNullOrEmpty(response.ContentType))
        {
            return Task.CompletedTask;
        }

        var method = context.Request.Method;
        var path = context.Request.Path.Value ?? "/";
        var shown = path.Length <= MaxShownPath ? path : string.Concat(path.AsSpan(0, MaxShownPath), "…");
        ApiException error;
        if (response.StatusCode == StatusCodes.Status405MethodNotAllowed)
        {
            var allowed = response.Headers.Allow.ToString();
            error = new ApiException(405, $"method {method} is not allowed for {shown}" + (allowed.Length > 0 ? $"; use {allowed}" : ""), code: "method_not_allowed");
        }
        else if (path.TrimEnd('/').Equals("/v1/embeddings", StringComparison.OrdinalIgnoreCase))
        {
            error = new ApiException(404, "embeddings are not supported by DistInfer: it serves text generation (POST /v1/completions, POST /v1/chat/completions)", code: "unsupported_endpoint");
        }
        else
        {
            error = new ApiException(404, $"no such endpoint: {method} {shown}; DistInfer serves POST /v1/completions, POST /v1/chat/completions, GET /v1/models, GET /health, GET /metrics", code: "unknown_url");
        }

        return ApiErrors.WriteAsync(context, error);
    }
}
