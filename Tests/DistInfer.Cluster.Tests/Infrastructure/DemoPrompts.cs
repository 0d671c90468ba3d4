using DistInfer.Engine.Tokenization;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>Story openings for the bundled demo model, as the fault tests send them.</summary>
internal static class DemoPrompts
{
    private static readonly string[] Texts =
    [
        "Once upon a time", "The little dog", "She opened the door and", "In the morning the sun",
        "Tom and his friend went", "The cat sat on", "It was a cold day, so", "Lily wanted to play with",
    ];

    /// <summary>The eight openings as token ids of the demo model's tokenizer.</summary>
    public static int[][] Encoded()
    {
        var tokenizer = BpeTokenizer.FromDirectory(RepoPaths.DemoModel);
        return [.. Texts.Select(tokenizer.Encode)];
    }
}
