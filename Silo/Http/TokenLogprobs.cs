namespace DistInfer.Silo.Http;

/// <summary>
/// The log-probability details of a delta's tokens (aligned with its token ids), when the request asked for them:
/// each token's text, raw bytes, log-probability, offset in the completion text and most likely alternatives.
/// </summary>
/// <param name="Tokens">Each token's text as the completion holds it: a token a stop sequence cut is cut here.</param>
/// <param name="WholeTokens">Each token's own text, never cut: the sampled token's key among the alternatives.</param>
internal sealed record TokenLogprobs(string[] Tokens, string[] WholeTokens, double[] LogProbabilities, int[] TextOffsets, byte[][] Bytes, LogprobAlternative[][] Top);
