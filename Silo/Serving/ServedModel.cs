using DistInfer.Engine.Config;
using DistInfer.Engine.Tokenization;

namespace DistInfer.Silo.Serving;

/// <summary>A deployed model as the API sees it.</summary>
/// <param name="ChatTemplate">
/// The model's chat template (chat_template.jinja, else tokenizer_config.json's chat_template) when it has one, else
/// null (a role-tagged default is used).
/// </param>
public sealed record ServedModel(string Name, ModelConfig Config, BpeTokenizer Tokenizer, string? ChatTemplate, DateTimeOffset Created)
{
    public int MaxContextTokens => Config.MaxPositionEmbeddings;

    /// <summary>
    /// Why chat completions cannot be served (its template files cannot be read, or name no default template): they
    /// get a 400 saying so, while completions and the model listing work on. Null when chat works.
    /// </summary>
    public string? ChatTemplateProblem { get; init; }
}
