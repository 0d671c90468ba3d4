namespace DistInfer.Engine.Generation;

/// <summary>
/// The rule the CLI and the fabric's front apply before generating (the HTTP API has its own OpenAI-shaped error):
/// prompt and new tokens fit the positions the model was trained for.
/// </summary>
public static class ContextWindow
{
    /// <summary>Throws naming the numbers when they do not fit; a context of 0 (unknown) is not checked.</summary>
    public static void Check(string model, int context, int promptTokens, int maxNewTokens)
    {
        if (context > 0 && promptTokens + maxNewTokens > context)
        {
            throw new DistInferException(
                $"{model}: a prompt of {promptTokens} tokens plus {maxNewTokens} new tokens exceeds the model's context of {context} tokens (max_position_embeddings)");
        }
    }
}
