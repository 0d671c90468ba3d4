namespace DistInfer.Silo.Http;

/// <summary>
/// The log-probability details of a delta's tokens (aligned with its token ids), when the request asked for them:
/// each token's text, raw bytes, log-probability, offset in the completion text and most likely alternatives.
/// </summary>
internal sealed record TokenLogprobs(string[] Tokens, double[] LogProbabilities, int[] TextOffsets, byte[][] Bytes, LogprobAlternative[][] Top);
