using System.Text.Json;
using DistInfer.Engine;
using DistInfer.Silo.Http.Contracts;
using DistInfer.Silo.Serving;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace DistInfer.Silo.Http;

/// <summary>GET /v1/models and GET /v1/models/{id}: served models and dynamic route aliases.</summary>
internal sealed class ModelsEndpoint(IInferenceService service, ModelResolver resolver, IOptions<HttpApiOptions> options)
{
    public async Task ListAsync(HttpContext context)
    {
        var data = new List<ModelInfo>();
        foreach (var name in service.ModelNames)
        {
            try
            {
                data.Add(await InfoAsync(name, context.RequestAborted).ConfigureAwait(false));
            }
            catch (Exception e) when (e is ApiException or DistInferException)
            {
                // Deployed but not servable over HTTP (no tokenizer.json): GET /v1/models/{id} says why.
            }
        }

        foreach (var route in options.Value.Routes)
        {
            if (await service.FindAsync(route.SmallModel, context.RequestAborted).ConfigureAwait(false) is not null
                && await service.FindAsync(route.LargeModel, context.RequestAborted).ConfigureAwait(false) is not null)
            {
                data.Add(await InfoAsync(route.Alias, context.RequestAborted).ConfigureAwait(false));
            }
        }

        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new ModelList { Data = data }, OpenAiJsonContext.Default.ModelList, context.RequestAborted).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext context)
    {
        var id = context.Request.RouteValues["id"] as string;
        var info = await InfoAsync(id, context.RequestAborted).ConfigureAwait(false);
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, info, OpenAiJsonContext.Default.ModelInfo, context.RequestAborted).ConfigureAwait(false);
    }

    private async ValueTask<ModelInfo> InfoAsync(string? name, CancellationToken cancellationToken)
    {
        var resolved = await resolver.ResolveAsync(name, cancellationToken).ConfigureAwait(false);
        return new ModelInfo { Id = name!, Created = resolved.Tokenizing.Created.ToUnixTimeSeconds(), MaxModelLen = resolved.MaxContextTokens };
    }
}
