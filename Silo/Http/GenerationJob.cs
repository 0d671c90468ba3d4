using DistInfer.Engine.Generation;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Http;

/// <summary>One prompt of a request, validated and ready to generate.</summary>
/// <param name="RequestedModel">The name the client used (a model or a dynamic route's alias).</param>
/// <param name="Model">The model whose tokenizer encoded the prompt (the small one for a route).</param>
/// <param name="Logprobs">
/// Null: no log-probabilities; otherwise deltas carry each token's, with this many alternatives (also in
/// <see cref="SamplingParams.TopLogprobs"/>, which makes the sampler find them).
/// </param>
internal sealed record GenerationJob(
    string RequestedModel,
    ServedModel Model,
    DynamicRoute? Route,
    int[] PromptIds,
    SamplingParams Sampling,
    IReadOnlyList<string> Stops,
    int? Logprobs = null);
