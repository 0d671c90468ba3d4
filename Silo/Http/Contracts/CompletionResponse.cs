using System.Text.Json.Serialization;

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

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Usage? Usage { get; set; }
}
