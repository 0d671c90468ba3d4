using System.Text.Json;
using DistInfer.Silo.Http.Contracts;

namespace DistInfer.Silo.Http;

/// <summary>Responses of /v1/chat/completions ("chat.completion", chunks "chat.completion.chunk").</summary>
internal sealed class ChatCompletionFormat : IResponseFormat
{
    public static ChatCompletionFormat Instance { get; } = new();

    public string IdPrefix => "chatcmpl-";

    public IEnumerable<byte[]> Chunks(ResponseHeader header, GenerationDelta delta, bool firstOfChoice)
    {
        if (firstOfChoice)
        {
            // OpenAI opens each choice with the role and empty content.
            var role = new ChatChoice { Index = delta.Index, Delta = new ChatMessageOut { Role = "assistant", Content = "" } };
            yield return Chunk(header, [role], null);
        }

        if (delta.Text.Length > 0 || delta.FinishReason is not null || delta.TokenIds.Length > 0)
        {
            var content = new ChatMessageOut { Content = delta.Text.Length > 0 ? delta.Text : null };
            var choice = new ChatChoice
            {
                Index = delta.Index,
                Delta = content,
                FinishReason = delta.FinishReason,
                TokenIds = delta.TokenIds,
                Logprobs = delta.Logprobs is { } l ? Logprobs([l]) : null,
            };
            yield return Chunk(header, [choice], null);
        }
    }

    public byte[] UsageChunk(ResponseHeader header, Usage usage) => Chunk(header, [], usage);

    public byte[] Complete(ResponseHeader header, IReadOnlyList<ChoiceResult> choices, Usage usage)
    {
        var list = new ChatChoice[choices.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = new ChatChoice
            {
                Index = i,
                Message = new ChatMessageOut { Role = "assistant", Content = choices[i].Text.ToString() },
                FinishReason = choices[i].FinishReason,
                TokenIds = choices[i].TokenIds,
                Logprobs = choices[i].Logprobs.Count > 0 ? Logprobs(choices[i].Logprobs) : null,
            };
        }

        return JsonSerializer.SerializeToUtf8Bytes(
            new ChatCompletionResponse { Id = header.Id, Object = "chat.completion", Created = header.Created, Model = header.Model, Choices = list, Usage = usage },
            OpenAiJsonContext.Default.ChatCompletionResponse);
    }

    private static ChatLogprobs Logprobs(List<TokenLogprobs> parts)
    {
        var content = new List<ChatTokenLogprob>();
        foreach (var p in parts)
        {
            for (var t = 0; t < p.Tokens.Length; t++)
            {
                var top = new ChatTopLogprob[p.Top[t].Length];
                for (var i = 0; i < top.Length; i++)
                {
                    var a = p.Top[t][i];
                    top[i] = new ChatTopLogprob { Token = a.Token, Logprob = a.LogProbability, Bytes = Ints(a.Bytes) };
                }

                content.Add(new ChatTokenLogprob { Token = p.Tokens[t], Logprob = p.LogProbabilities[t], Bytes = Ints(p.Bytes[t]), TopLogprobs = top });
            }
        }

        return new ChatLogprobs { Content = content };
    }

    // OpenAI sends bytes as a list of integers (a byte[] would serialise as base64).
    private static int[] Ints(byte[] bytes) => Array.ConvertAll(bytes, b => (int)b);

    private static byte[] Chunk(ResponseHeader header, IReadOnlyList<ChatChoice> choices, Usage? usage) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new ChatCompletionResponse { Id = header.Id, Object = "chat.completion.chunk", Created = header.Created, Model = header.Model, Choices = choices, Usage = usage },
            OpenAiJsonContext.Default.ChatCompletionResponse);
}
