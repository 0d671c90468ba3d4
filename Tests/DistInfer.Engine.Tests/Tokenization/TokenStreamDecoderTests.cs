using DistInfer.Engine.Tokenization;

namespace DistInfer.Engine.Tests.Tokenization;

public sealed class TokenStreamDecoderTests
{
    [Fact]
    public void Append_EmojiSplitAcrossTokens_HoldsBytesUntilCharacterCompletes()
    {
        var tokenizer = DemoTokenizer.Instance;
        var ids = tokenizer.Encode("🚀");
        Assert.True(ids.Length > 1, "the demo vocabulary splits the rocket emoji over several tokens");
        var stream = tokenizer.CreateStreamDecoder();

        var deltas = ids.Select(stream.Append).ToList();

        Assert.All(deltas[..^1], delta => Assert.Equal(string.Empty, delta));
        Assert.Equal("🚀", deltas[^1]);
        Assert.Equal(string.Empty, stream.Flush());
    }

    [Fact]
    public void Append_RandomText_ConcatenationEqualsFullDecode()
    {
        var tokenizer = DemoTokenizer.Instance;
        var random = new Random(3);
        for (var i = 0; i < 300; i++)
        {
            var text = i % 2 == 0 ? RandomText.Scalars(random, 30) : RandomText.Mixed(random, 15);
            var ids = tokenizer.Encode(text);
            var stream = new TokenStreamDecoder(tokenizer);

            var streamed = string.Concat(ids.Select(stream.Append)) + stream.Flush();

            Assert.Equal(tokenizer.Decode(ids), streamed);
        }
    }

    [Fact]
    public void Flush_StreamEndsMidCharacter_EmitsReplacementLikeFullDecode()
    {
        var tokenizer = DemoTokenizer.Instance;
        var ids = tokenizer.Encode("é中🚀");
        var cut = ids[..^1];
        var stream = tokenizer.CreateStreamDecoder();

        var streamed = string.Concat(cut.Select(stream.Append)) + stream.Flush();

        Assert.Equal(tokenizer.Decode(cut), streamed);
        Assert.EndsWith("\uFFFD", streamed, StringComparison.Ordinal);
    }

    [Fact]
    public void Append_SpecialToken_SkippedUnlessAsked()
    {
        var tokenizer = DemoTokenizer.Instance;
        var skipping = tokenizer.CreateStreamDecoder();
        var keeping = tokenizer.CreateStreamDecoder(skipSpecialTokens: false);

        Assert.Equal(string.Empty, skipping.Append(0));
        Assert.Equal("<|endoftext|>", keeping.Append(0));
    }

    [Fact]
    public void Reset_AfterPartialCharacter_DropsHeldBytes()
    {
        var tokenizer = DemoTokenizer.Instance;
        var ids = tokenizer.Encode("🚀");
        var stream = tokenizer.CreateStreamDecoder();
        stream.Append(ids[0]);

        stream.Reset();

        Assert.Equal("H", stream.Append(tokenizer.Encode("H")[0]));
        Assert.Equal(string.Empty, stream.Flush());
    }
}
