namespace DistInfer.Silo.Http.Contracts;

/// <summary>Token counts of a request.</summary>
public sealed class Usage
{
    public int PromptTokens { get; set; }
    public int CompletionTokens { get; set; }
    public int TotalTokens { get; set; }
}
