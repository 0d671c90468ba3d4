using DistInfer.Engine.Generation;

namespace DistInfer.Engine.Serving;

/// <summary>A produced token; the last event of a sequence carries its <see cref="FinishReason"/>.</summary>
public readonly record struct TokenEvent(int TokenId, int Index, FinishReason? FinishReason, double LogProbability);
