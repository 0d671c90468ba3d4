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
        var choice = new CompletionChoice { Index = delta.Index, Text = delta.Text, FinishReason = delta.FinishReason, TokenIds = delta.TokenIds };
        yield return Serialize(header, [choice], null);
    }

    public byte[] UsageChunk(ResponseHeader header, Usage usage) => Serialize(header, [], usage);

    public byte[] Complete(ResponseHeader header, IReadOnlyList<ChoiceResult> choices, Usage usage)
    {
        var list = new CompletionChoice[choices.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = new CompletionChoice { Index = i, Text = choices[i].Text.ToString(), FinishReason = choices[i].FinishReason, TokenIds = choices[i].TokenIds };
        }

        return Serialize(header, list, usage);
    }

    private static byte[] Serialize(ResponseHeader header, IReadOnlyList<CompletionChoice> choices, Usage? usage) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new CompletionResponse { Id = header.Id, Created = header.Created, Model = header.Model, Choices = choices, Usage = usage },
            OpenAiJsonContext.Default.CompletionResponse);
}
