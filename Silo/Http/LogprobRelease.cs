namespace DistInfer.Silo.Http;

/// <summary>
/// What a delta may send when logprobs were asked for: its text, the number of pending tokens that text completes
/// (the first <paramref name="Tokens"/> of the ids not yet sent) and their log-probability details.
/// </summary>
internal readonly record struct LogprobRelease(string Text, int Tokens, TokenLogprobs Logprobs);
