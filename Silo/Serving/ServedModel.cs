using DistInfer.Engine.Config;
using DistInfer.Engine.Tokenization;

namespace DistInfer.Silo.Serving;

/// <summary>A deployed model as the API sees it.</summary>
/// <param name="ChatTemplate">tokenizer_config.json's chat_template when present, else null (a role-tagged default is used).</param>
public sealed record ServedModel(string Name, ModelConfig Config, BpeTokenizer Tokenizer, string? ChatTemplate, DateTimeOffset Created)
{
    public int MaxContextTokens => Config.MaxPositionEmbeddings;
}
