namespace DistInfer.Silo.Http.Contracts;

/// <summary>A chat completion (object chat.completion) or a chunk of one (chat.completion.chunk).</summary>
public sealed class ChatCompletionResponse
{
    public string Id { get; set; } = "";
    public string Object { get; set; } = "chat.completion";
    public long Created { get; set; }
    public string Model { get; set; } = "";
    public string? SystemFingerprint { get; set; }
    public IReadOnlyList<ChatChoice> Choices { get; set; } = [];

    /// <summary>Null in stream chunks except the last one when stream_options.include_usage is set (as OpenAI).</summary>
    public Usage? Usage { get; set; }
}
