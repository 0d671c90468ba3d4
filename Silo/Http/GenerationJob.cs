using DistInfer.Engine.Generation;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Http;

/// <summary>One prompt of a request, validated and ready to generate.</summary>
/// <param name="RequestedModel">The name the client used (a model or a dynamic route's alias).</param>
/// <param name="Model">The model whose tokenizer encoded the prompt (the small one for a route).</param>
/// <param name="Logprobs">Whether deltas carry per-token log-probabilities.</param>
internal sealed record GenerationJob(
    string RequestedModel,
    ServedModel Model,
    DynamicRoute? Route,
    int[] PromptIds,
    SamplingParams Sampling,
    IReadOnlyList<string> Stops,
    bool Logprobs = false);
