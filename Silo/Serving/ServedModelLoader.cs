using DistInfer.Engine.Config;
using DistInfer.Engine.Tokenization;
using DistInfer.Silo.Http.ChatTemplates;
using Microsoft.Extensions.Logging;

namespace DistInfer.Silo.Serving;

/// <summary>
/// Builds the API's view of a model from its directory, and logs once there how its chat prompts will be made when
/// that is not its own template: a model that silently chats in another format answers worse with no clue why.
/// </summary>
internal static partial class ServedModelLoader
{
    /// <summary>
    /// Throws <see cref="TokenizerException"/> when tokenizer.json is missing or unusable. Template files that cannot be
    /// read do not throw (deploys refuse them; they can still change afterwards): only chat is refused then.
    /// </summary>
    public static ServedModel Load(string name, string directory, ModelConfig config, DateTimeOffset created, ILogger logger)
    {
        var tokenizer = BpeTokenizer.FromDirectory(directory);
        ChatTemplateSource? source;
        try
        {
            source = ChatTemplateReader.Read(directory);
        }
        catch (TokenizerException e)
        {
            source = new ChatTemplateSource(ChatTemplateReader.ConfigFile, null, e.Message);
        }

        if (source?.Problem is { } problem)
        {
            LogChatRefused(logger, name, problem);
        }
        else if (source?.Template is not { } template)
        {
            LogNoTemplate(logger, name);
        }
        else if (ChatTemplate.Unsupported(template) is { } reason)
        {
            LogUnsupportedTemplate(logger, name, source.FileName, reason);
        }

        return new ServedModel(name, config, tokenizer, source?.Template, created) { ChatTemplateProblem = source?.Problem };
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning,
        Message = "model {Model} has no chat template (no chat_template.jinja, no chat_template in tokenizer_config.json): chat completions use the built-in format, <|role|> then the content per message")]
    private static partial void LogNoTemplate(ILogger logger, string model);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning,
        Message = "model {Model}'s chat template ({File}) is outside what DistInfer's template renderer supports ({Reason}): chat completions use the built-in format, <|role|> then the content per message")]
    private static partial void LogUnsupportedTemplate(ILogger logger, string model, string file, string reason);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "model {Model} cannot serve chat completions (they get a 400): {Problem}")]
    private static partial void LogChatRefused(ILogger logger, string model, string problem);
}
