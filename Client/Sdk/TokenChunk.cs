namespace DistInfer.Client;

/// <summary>Tokens produced since the previous chunk, their text, and on the last chunk why generation stopped.</summary>
public sealed record TokenChunk(int[] Tokens, string Text, string? FinishReason);
