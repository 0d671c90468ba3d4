namespace DistInfer.Silo.Http;

/// <summary>
/// New output of one prompt: text safe to show, the token ids produced since the last delta, and the finish
/// reason ("stop", "length") on the last delta. <paramref name="AnsweredBy"/> is the model that generated it;
/// <paramref name="Logprobs"/> describes its tokens when the request asked for log-probabilities.
/// </summary>
internal readonly record struct GenerationDelta(int Index, string Text, int[] TokenIds, string? FinishReason, string AnsweredBy, TokenLogprobs? Logprobs = null);
