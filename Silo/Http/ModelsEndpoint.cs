using System.Text.Json;
using DistInfer.Engine;
using DistInfer.Silo.Http.Contracts;
using DistInfer.Silo.Serving;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistInfer.Silo.Http;

/// <summary>GET /v1/models and GET /v1/models/{id}: served models and dynamic route aliases.</summary>
internal sealed class ModelsEndpoint(IInferenceService service, ModelResolver resolver, IOptions<HttpApiOptions> options, ILogger<ModelsEndpoint> logger)
{
    public async Task ListAsync(HttpContext context)
    {
        var data = new List<ModelInfo>();
        foreach (var name in service.ModelNames)
        {
            await AddAsync(data, name, context.RequestAborted).ConfigureAwait(false);
        }

        foreach (var route in options.Value.Routes)
        {
            await AddAsync(data, route.Alias, context.RequestAborted).ConfigureAwait(false);
        }

        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new ModelList { Data = data }, OpenAiJsonContext.Default.ModelList, context.RequestAborted).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext context)
    {
        // The catch-all route value keeps an encoded slash (org%2Fmodel) encoded; the rest is decoded already.
        var id = (context.Request.RouteValues["id"] as string)?.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        var info = await InfoAsync(id, context.RequestAborted).ConfigureAwait(false);
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, info, OpenAiJsonContext.Default.ModelInfo, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Lists <paramref name="name"/> when it resolves. One that does not (no tokenizer.json, a route whose models
    /// are not both deployed, its registry or source silo unreachable) is left out rather than failing the whole
    /// list: GET /v1/models/{id} says why.
    /// </summary>
    private async ValueTask AddAsync(List<ModelInfo> data, string name, CancellationToken cancellationToken)
    {
        try
        {
            data.Add(await InfoAsync(name, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            if (e is not (ApiException or DistInferException))
            {
                Log.ModelNotListed(logger, name, e.Message);
            }
        }
    }

    private async ValueTask<ModelInfo> InfoAsync(string? name, CancellationToken cancellationToken)
    {
        var resolved = await resolver.ResolveAsync(name, cancellationToken).ConfigureAwait(false);
        return new ModelInfo { Id = name!, Created = resolved.Tokenizing.Created.ToUnixTimeSeconds(), MaxModelLen = resolved.MaxContextTokens };
    }
}
