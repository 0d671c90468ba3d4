using DistInfer.Silo.Serving;
using Microsoft.Extensions.Options;

namespace DistInfer.Silo.Http;

/// <summary>Maps a request's model name to a served model or a dynamic route (400 missing, 404 unknown, 503 undeployed).</summary>
internal sealed class ModelResolver(IInferenceService service, IOptions<HttpApiOptions> options)
{
    public async ValueTask<ResolvedModel> ResolveAsync(string? name, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw ApiException.BadRequest("missing required field 'model'", "model");
        }

        foreach (var route in options.Value.Routes)
        {
            if (route.Alias == name)
            {
                var small = await service.FindAsync(route.SmallModel, cancellationToken).ConfigureAwait(false) ?? throw NotDeployed(route, route.SmallModel);
                var large = await service.FindAsync(route.LargeModel, cancellationToken).ConfigureAwait(false) ?? throw NotDeployed(route, route.LargeModel);
                return new ResolvedModel(
                    name,
                    small,
                    route,
                    Math.Min(small.MaxContextTokens, large.MaxContextTokens),
                    Math.Min(small.Config.VocabSize, large.Config.VocabSize));
            }
        }

        var model = await service.FindAsync(name, cancellationToken).ConfigureAwait(false) ?? throw new ApiException(404, $"the model '{name}' does not exist", param: "model", code: "model_not_found");
        return new ResolvedModel(name, model, null, model.MaxContextTokens, model.Config.VocabSize);
    }

    private static NoReplicaAvailableException NotDeployed(DynamicRoute route, string model) =>
        new($"model '{model}' of route '{route.Alias}' is not deployed");
}
