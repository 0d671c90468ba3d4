using System.Text.Json;
using DistInfer.Silo.Http.Contracts;

namespace DistInfer.Silo.Http;

/// <summary>Responses of /v1/completions (object "text_completion", also for chunks, as OpenAI does).</summary>
internal sealed class TextCompletionFormat : IResponseFormat
{
    public static TextCompletionFormat Instance { get; } = new();

    public string IdPrefix => "cmpl-";

    public IEnumerable<byte[]> Chunks(ResponseHeader header, GenerationDelta delta, bool firstOfChoice)
    {
        var choice = new CompletionChoice
        {
            Index = delta.Index,
            Text = delta.Text,
            FinishReason = delta.FinishReason,
            TokenIds = delta.TokenIds,
            Logprobs = delta.Logprobs is { } l ? Logprobs([l]) : null,
        };
        yield return Serialize(header, [choice], null);
    }

    public byte[] UsageChunk(ResponseHeader header, Usage usage) => Serialize(header, [], usage);

    public byte[] Complete(ResponseHeader header, IReadOnlyList<ChoiceResult> choices, Usage usage)
    {
        var list = new CompletionChoice[choices.Count];
        for (var i = 0; i < list.Length; i++)
        {
            var c = choices[i];
            list[i] = new CompletionChoice
            {
                Index = i,
                Text = c.Text.ToString(),
                FinishReason = c.FinishReason,
                TokenIds = c.TokenIds,
                Logprobs = c.Logprobs.Count > 0 ? Logprobs(c.Logprobs) : null,
            };
        }

        return Serialize(header, list, usage);
    }

    private static CompletionLogprobs Logprobs(List<TokenLogprobs> parts)
    {
        var tokens = new List<string>();
        var values = new List<double>();
        var top = new List<Dictionary<string, double>>();
        var offsets = new List<int>();
        foreach (var p in parts)
        {
            for (var t = 0; t < p.Tokens.Length; t++)
            {
                tokens.Add(p.Tokens[t]);
                values.Add(p.LogProbabilities[t]);
                top.Add(TopOf(p, t));
                offsets.Add(p.TextOffsets[t]);
            }
        }

        return new CompletionLogprobs { Tokens = tokens, TokenLogprobs = values, TopLogprobs = top, TextOffset = offsets };
    }

    /// <summary>
    /// The alternatives at one position, best first, then the sampled token when it is not among them (as OpenAI and
    /// vLLM list it). Keys are texts: of tokens that read the same, the likelier one is kept. The sampled token's key
    /// is its whole text, also where a stop sequence cut it (its cut text is no candidate the model weighed).
    /// </summary>
    private static Dictionary<string, double> TopOf(TokenLogprobs p, int t)
    {
        var top = new Dictionary<string, double>(p.Top[t].Length + 1, StringComparer.Ordinal);
        foreach (var alternative in p.Top[t])
        {
            top.TryAdd(alternative.Token, alternative.LogProbability);
        }

        top.TryAdd(p.WholeTokens[t], p.LogProbabilities[t]);
        return top;
    }

    private static byte[] Serialize(ResponseHeader header, IReadOnlyList<CompletionChoice> choices, Usage? usage) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new CompletionResponse { Id = header.Id, Created = header.Created, Model = header.Model, Choices = choices, Usage = usage },
            OpenAiJsonContext.Default.CompletionResponse);
}
