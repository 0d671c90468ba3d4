namespace DistInfer.Engine.Tokenization;

/// <summary>
/// An entry of tokenizer.json "added_tokens": matched as a whole string in the input before BPE runs.
/// <see cref="Special"/> tokens are dropped by decoding with skipSpecialTokens.
/// </summary>
public sealed record AddedToken(
    int Id,
    string Content,
    bool Special,
    bool SingleWord = false,
    bool LStrip = false,
    bool RStrip = false,
    bool Normalized = false);
