using System.Text.Json;
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
        foreach (var m in service.Models)
        {
            data.Add(Info(m.Name));
        }

        foreach (var route in options.Value.Routes)
        {
            if (service.Find(route.SmallModel) is not null && service.Find(route.LargeModel) is not null)
            {
                data.Add(Info(route.Alias));
            }
        }

        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new ModelList { Data = data }, OpenAiJsonContext.Default.ModelList, context.RequestAborted).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext context)
    {
        var id = context.Request.RouteValues["id"] as string;
        resolver.Resolve(id);
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, Info(id!), OpenAiJsonContext.Default.ModelInfo, context.RequestAborted).ConfigureAwait(false);
    }

    private ModelInfo Info(string name)
    {
        var resolved = resolver.Resolve(name);
        return new ModelInfo { Id = name, Created = resolved.Tokenizing.Created.ToUnixTimeSeconds(), MaxModelLen = resolved.MaxContextTokens };
    }
}
