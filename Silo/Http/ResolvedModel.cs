using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Http;

/// <summary>
/// What a request's "model" names: a served model, or a dynamic route whose limits are the stricter of its two
/// models'. <see cref="Tokenizing"/> encodes the prompt (the small model for a route).
/// </summary>
internal sealed record ResolvedModel(string Name, ServedModel Tokenizing, DynamicRoute? Route, int MaxContextTokens, int VocabSize);
