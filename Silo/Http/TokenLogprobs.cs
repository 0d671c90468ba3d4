namespace DistInfer.Silo.Http;

/// <summary>The log-probability details of a delta's tokens (aligned with its token ids), when the request asked for them.</summary>
internal sealed record TokenLogprobs(string[] Tokens, double[] LogProbabilities, int[] TextOffsets);
