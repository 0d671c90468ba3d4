namespace DistInfer.Silo.Http.Contracts;

/// <summary>A choice of a text completion (and of its stream chunks).</summary>
public sealed class CompletionChoice
{
    public string Text { get; set; } = "";
    public int Index { get; set; }
    public CompletionLogprobs? Logprobs { get; set; }
    public string? FinishReason { get; set; }

    /// <summary>Extension: the generated token ids (in a chunk, the ids of this chunk).</summary>
    public IReadOnlyList<int> TokenIds { get; set; } = [];
}
