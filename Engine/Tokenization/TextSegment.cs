namespace DistInfer.Engine.Tokenization;

/// <summary>A run of the input: an added token (<see cref="TokenId"/> &gt;= 0) or plain text for BPE (-1).</summary>
internal readonly record struct TextSegment(int Start, int Length, int TokenId);
