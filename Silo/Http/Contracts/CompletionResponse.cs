namespace DistInfer.Silo.Http.Contracts;

/// <summary>A text completion, or one chunk of a streamed one (object text_completion).</summary>
public sealed class CompletionResponse
{
    public string Id { get; set; } = "";
    public string Object { get; set; } = "text_completion";
    public long Created { get; set; }
    public string Model { get; set; } = "";
    public string? SystemFingerprint { get; set; }
    public IReadOnlyList<CompletionChoice> Choices { get; set; } = [];

    /// <summary>Null in stream chunks except the last one when stream_options.include_usage is set (as OpenAI).</summary>
    public Usage? Usage { get; set; }
}
