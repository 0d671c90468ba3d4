namespace DistInfer.Engine.Tokenization;

/// <summary>A model's chat template as <see cref="ChatTemplateReader"/> found it.</summary>
/// <param name="FileName">The file it came from: chat_template.jinja or tokenizer_config.json.</param>
/// <param name="Template">The Jinja source; null when <paramref name="Problem"/> says why chat has none to use.</param>
/// <param name="Problem">Why the model's templates cannot serve chat (named templates but none named "default"), else null.</param>
public sealed record ChatTemplateSource(string FileName, string? Template, string? Problem = null);
