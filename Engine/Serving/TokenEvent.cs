using DistInfer.Engine.Generation;

namespace DistInfer.Engine.Serving;

/// <summary>
/// A produced token; the last event of a sequence carries its <see cref="FinishReason"/>. <paramref name="LogProbability"/>
/// is the token's under the model's raw distribution; <paramref name="TopLogprobs"/> the most likely tokens, best first,
/// when the sampling parameters asked for them.
/// </summary>
public readonly record struct TokenEvent(int TokenId, int Index, FinishReason? FinishReason, double LogProbability, TokenLogprob[]? TopLogprobs = null);
