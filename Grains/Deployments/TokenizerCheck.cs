using DistInfer.Engine;
using DistInfer.Engine.Config;
using DistInfer.Engine.Tokenization;

namespace DistInfer.Grains.Deployments;

/// <summary>
/// A deployment's tokenizer files read once before anything loads. A broken tokenizer.json used to deploy fine, leave
/// the model out of /v1/models and answer every text request with a 400 that blamed the client; a broken
/// tokenizer_config.json deployed fine and then failed every HTTP request for the model with a 500.
/// </summary>
public static class TokenizerCheck
{
    /// <summary>
    /// Throws naming the file when the directory's tokenizer.json cannot be read or names ids the model has no
    /// embedding for, or when its tokenizer_config.json (or chat_template.jinja) cannot be read. A directory without
    /// a tokenizer.json deploys whatever its other files hold: token-id requests need no tokenizer or template.
    /// </summary>
    public static void ThrowIfUnusable(string modelPath, string directory, ModelConfig config)
    {
        var path = Path.Combine(directory, "tokenizer.json");
        if (!File.Exists(path))
        {
            // Without a tokenizer no request can be text, so no chat template is ever read.
            return;
        }

        try
        {
            ChatTemplateReader.Read(directory);
        }
        catch (TokenizerException e)
        {
            throw new DistInferException($"model path {modelPath}: {e.Message}", e);
        }

        BpeTokenizer tokenizer;
        try
        {
            tokenizer = BpeTokenizer.FromFile(path);
        }
        catch (TokenizerException e)
        {
            throw new DistInferException($"model path {modelPath}: tokenizer.json is not usable: {e.Message}", e);
        }

        if (tokenizer.VocabSize > config.VocabSize)
        {
            throw new DistInferException($"model path {modelPath}: tokenizer.json has token ids up to {tokenizer.VocabSize - 1}, "
                + $"but config.json's vocab_size is {config.VocabSize}: a checkpoint and a tokenizer of different models?");
        }
    }
}
