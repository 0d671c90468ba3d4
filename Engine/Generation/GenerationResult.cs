namespace DistInfer.Engine.Generation;

/// <summary>One sequence's prompt and generated tokens, and why it stopped.</summary>
public sealed record GenerationResult(int[] PromptIds, int[] GeneratedIds, FinishReason FinishReason)
{
    /// <summary>Prompt then generated tokens.</summary>
    public int[] AllIds => [.. PromptIds, .. GeneratedIds];
}
