using System.Text.Json;
using DistInfer.Engine;
using DistInfer.Engine.Serving;
using DistInfer.Grains.Fabric;
using DistInfer.Silo.Http.Contracts;
using DistInfer.Silo.Serving;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Silo.Http;

/// <summary>Maps failures to OpenAI's error JSON and status codes.</summary>
internal static class ApiErrors
{
    /// <summary>The API error for <paramref name="e"/>, as this silo's membership sees the cluster now.</summary>
    public static ApiException From(Exception e, HttpContext context) =>
        From(e, context.RequestServices.GetService<Runtime.Cluster.IClusterMembershipService>()?.StorageProblem);

    /// <summary>
    /// As <see cref="From(Exception)"/>; an unreachable silo's error also gives <paramref name="storageProblem"/>, why
    /// membership storage cannot be read (IClusterMembershipService.StorageProblem): until it can, nothing moves the
    /// silo's work, which "the cluster is changing; retry" alone hid.
    /// </summary>
    public static ApiException From(Exception e, string? storageProblem) =>
        e is Runtime.Messaging.SiloUnavailableException && storageProblem is not null
            ? new ApiException(503, $"a silo this request needs is unavailable, and the cluster cannot declare it dead while its membership storage "
                + $"({StorageKind(storageProblem)}) is unreachable (the silo log says more); retry once that is back", "server_error", code: "silo_unavailable")
            : From(e);

    // "Redis at HOST:PORT unavailable ...": the kind only, as the API keeps internal addresses to the log.
    private static string StorageKind(string problem)
    {
        var at = problem.IndexOf(" at ", StringComparison.Ordinal);
        return at > 0 ? problem[..at] : "storage";
    }

    /// <summary>The API error for <paramref name="e"/>; null for failures that are not the caller's (500).</summary>
    public static ApiException From(Exception e) => e switch
    {
        ApiException api => api,
        BadHttpRequestException bad => new ApiException(bad.StatusCode, bad.Message, code: bad.StatusCode == 413 ? "request_too_large" : null),
        OverCapacityException => new ApiException(429, e.Message, "rate_limit_exceeded", code: "over_capacity"),

        // Never admissible, so not a 429 (clients retry those): the choices are prompts × n.
        TooManySequencesException => new ApiException(400, e.Message, param: "n", code: "too_many_choices"),
        NoReplicaAvailableException => new ApiException(503, e.Message, "server_error", code: "no_replica_available"),

        // Ended by the fabric mid-request. Redeployed: the model is there again, so a retry can succeed (503; a 400
        // tells SDKs not to retry). Undeployed: the model is gone, as a retry would learn (404, like an unknown one).
        ModelRedeployedException => new ApiException(503, e.Message, "server_error", code: "model_redeployed"),
        ModelNotFoundException => new ApiException(404, e.Message, param: "model", code: "model_not_found"),

        // A silo the request needed left or is unreachable: the cluster is changing, a retry can succeed.
        Runtime.Messaging.SiloUnavailableException => new ApiException(503, "a silo this request needs is unavailable (the cluster is changing); retry", "server_error", code: "silo_unavailable"),
        // The silo's own troubles (the GPU, its model files, a cluster operation), not the request's: a 500 whose
        // details stay in the log, as for any other failure. Clients do not retry a 400.
        Engine.Cuda.CudaException or Engine.Tokenization.TokenizerException or Engine.Config.ConfigException or Engine.Checkpoints.CheckpointException
            or Grains.Weights.ModelDirectoryChangedException or Grains.Balancing.BalancerInterruptedException => Internal(e),
        DistInferException => new ApiException(400, e.Message),
        _ => Internal(e),
    };

    // The type (not the message, which may hold internals) tells an operator where to look in the silo log.
    private static ApiException Internal(Exception e) => new(500, $"internal error while generating ({e.GetType().Name}); see the silo log", "server_error");

    public static ErrorResponse Body(ApiException e) =>
        new() { Error = new ErrorDetail { Message = e.Message, Type = e.Type, Param = e.Param, Code = e.Code } };

    public static async Task WriteAsync(HttpContext context, ApiException e)
    {
        context.Response.StatusCode = e.Status;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, Body(e), OpenAiJsonContext.Default.ErrorResponse, context.RequestAborted).ConfigureAwait(false);
    }
}
