namespace DistInfer.Engine.Tokenization;

/// <summary>
/// A tokenizer file that cannot be used: missing, malformed, or using a feature this tokenizer does not implement.
/// The message names the file and the field or feature.
/// </summary>
public sealed class TokenizerException : DistInferException
{
    public TokenizerException(string message) : base(message) { }

    public TokenizerException(string message, Exception inner) : base(message, inner) { }
}
