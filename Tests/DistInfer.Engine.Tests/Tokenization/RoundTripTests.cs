namespace DistInfer.Engine.Tests.Tokenization;

public sealed class RoundTripTests
{
    [Fact]
    public void DecodeEncode_RandomScalars_ReturnsOriginal()
    {
        var random = new Random(1234);
        var tokenizer = DemoTokenizer.Instance;
        for (var i = 0; i < 500; i++)
        {
            var text = RandomText.Scalars(random, random.Next(0, 60));

            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text), skipSpecialTokens: false));
        }
    }

    [Fact]
    public void DecodeEncode_RandomFragments_ReturnsOriginal()
    {
        var random = new Random(99);
        var tokenizer = DemoTokenizer.Instance;
        for (var i = 0; i < 500; i++)
        {
            var text = RandomText.Mixed(random, random.Next(0, 30));

            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text), skipSpecialTokens: false));
        }
    }

    [Fact]
    public void Encode_SameTextTwice_CachedResultIsIdentical()
    {
        var tokenizer = DemoTokenizer.Instance;
        const string text = "The license grants you the right to modify the license text.";

        Assert.Equal(tokenizer.Encode(text), tokenizer.Encode(text));
    }

    [Fact]
    public void Encode_LongWordWithoutSpaces_UsesHeapMergeAndRoundTrips()
    {
        var tokenizer = DemoTokenizer.Instance;
        var text = string.Concat(Enumerable.Repeat("licensedistributionsoftware", 200));

        var ids = tokenizer.Encode(text);

        Assert.True(ids.Length < text.Length / 2, $"expected merges to shorten {text.Length} bytes, got {ids.Length} ids");
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Encode_LoneSurrogate_EncodesAsReplacementCharacter()
    {
        var tokenizer = DemoTokenizer.Instance;

        Assert.Equal(tokenizer.Encode("a\uFFFDb"), tokenizer.Encode("a\uD800b"));
    }

    [Fact]
    public void Encode_ManyThreads_GiveSameIdsAsOneThread()
    {
        var tokenizer = DemoTokenizer.Instance;
        var random = new Random(7);
        var texts = Enumerable.Range(0, 200).Select(_ => RandomText.Mixed(random, 20)).ToArray();
        var expected = texts.Select(tokenizer.Encode).ToArray();

        var actual = new int[texts.Length][];
        Parallel.For(0, texts.Length * 4, i => actual[i % texts.Length] = tokenizer.Encode(texts[i % texts.Length]));

        Assert.Equal(expected, actual);
    }
}
