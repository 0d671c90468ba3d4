namespace DistInfer.Engine.Generation;

/// <summary>
/// What <see cref="Sampler.Sample"/> chose: the token, its log-probability, and (only when
/// <see cref="SamplingParams.TopLogprobs"/> asked for them) the most likely tokens, best first, ties by lower id.
/// </summary>
public readonly record struct SampledToken(int TokenId, double LogProbability, TokenLogprob[]? TopLogprobs);
