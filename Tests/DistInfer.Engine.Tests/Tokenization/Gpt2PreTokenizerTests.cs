using System.Text.RegularExpressions;
using DistInfer.Engine.Tokenization;

namespace DistInfer.Engine.Tests.Tokenization;

public sealed partial class Gpt2PreTokenizerTests
{
    // The pattern the tokenizers library's ByteLevel pre-tokenizer uses; .NET's regex matches UTF-16 units, so it is an
    // exact oracle only for BMP text (outside it, surrogate halves are not letters or numbers).
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2Pattern();

    private static List<string> Split(string text)
    {
        var pieces = new List<string>();
        for (var start = 0; start < text.Length;)
        {
            var end = Gpt2PreTokenizer.NextPieceEnd(text, start);
            Assert.True(end > start, $"no progress at {start} in '{text}'");
            pieces.Add(text[start..end]);
            start = end;
        }

        return pieces;
    }

    [Theory]
    [InlineData("Hello, world!", new[] { "Hello", ",", " world", "!" })]
    [InlineData("  leading", new[] { " ", " leading" })]
    [InlineData("a  \n\n b", new[] { "a", "  \n\n", " b" })]
    [InlineData("it's we'll 'S", new[] { "it", "'s", " we", "'ll", " '", "S" })]
    [InlineData("tail   ", new[] { "tail", "   " })]
    [InlineData("x\tb", new[] { "x", "\t", "b" })]
    [InlineData("𝐀𝐁 𝟙𝟚", new[] { "𝐀𝐁", " 𝟙𝟚" })]
    [InlineData("?'s", new[] { "?'", "s" })]
    public void NextPieceEnd_KnownText_SplitsLikeGpt2Regex(string text, string[] expected)
    {
        Assert.Equal(expected, Split(text));
    }

    [Fact]
    public void NextPieceEnd_RandomBmpText_MatchesGeneratedRegex()
    {
        var random = new Random(42);
        for (var i = 0; i < 3000; i++)
        {
            var text = i % 2 == 0 ? RandomText.Scalars(random, random.Next(1, 40), bmpOnly: true) : RandomText.Mixed(random, 12);
            if (text.Any(char.IsSurrogate))
            {
                continue;
            }

            var expected = Gpt2Pattern().Matches(text).Select(m => m.Value).ToList();

            Assert.Equal(expected, Split(text));
        }
    }
}
