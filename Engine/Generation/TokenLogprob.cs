namespace DistInfer.Engine.Generation;

/// <summary>A token and its log-probability under the model's distribution (log-softmax of the raw logits).</summary>
public readonly record struct TokenLogprob(int TokenId, double LogProbability);
