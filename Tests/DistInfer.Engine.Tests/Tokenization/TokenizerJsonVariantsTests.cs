using System.Text.Json.Nodes;
using DistInfer.Engine.Tokenization;

namespace DistInfer.Engine.Tests.Tokenization;

/// <summary>tokenizer.json options the demo file does not use, checked against the demo's own encodings.</summary>
public sealed class TokenizerJsonVariantsTests
{
    private static BpeTokenizer Load(Action<JsonObject> edit)
    {
        using var file = TempTokenizerFile.FromDemo(edit);
        return BpeTokenizer.FromFile(file.Path);
    }

    [Fact]
    public void FromFile_MergesAsSpaceSeparatedStrings_EncodesLikePairForm()
    {
        var tokenizer = Load(json =>
        {
            var merges = json["model"]!["merges"]!.AsArray();
            var strings = new JsonArray();
            foreach (var pair in merges)
            {
                strings.Add($"{pair![0]!.GetValue<string>()} {pair[1]!.GetValue<string>()}");
            }

            json["model"]!["merges"] = strings;
        });

        foreach (var text in new[] { "Hello, world!", "def f(x):\n    return x ** 2  # comment", "it's don't we'll" })
        {
            Assert.Equal(DemoTokenizer.Instance.Encode(text), tokenizer.Encode(text));
        }
    }

    [Fact]
    public void Encode_AddPrefixSpace_EncodesLikeLeadingSpace()
    {
        var tokenizer = Load(json => json["pre_tokenizer"]!["add_prefix_space"] = true);

        Assert.Equal(DemoTokenizer.Instance.Encode(" Hello world"), tokenizer.Encode("Hello world"));
        Assert.Equal(DemoTokenizer.Instance.Encode(" Hello"), tokenizer.Encode(" Hello"));
    }

    [Fact]
    public void Encode_UseRegexFalse_MergesAcrossPieceBoundaries()
    {
        var tokenizer = Load(json => json["pre_tokenizer"]!["use_regex"] = false);
        var doubleSpace = tokenizer.TokenToId("ĠĠ")!.Value;

        // With the regex "a  b" is "a", " ", " b"; as one piece the two spaces merge ("Ġ Ġ" is the first merge).
        Assert.Equal([66, doubleSpace, 67], tokenizer.Encode("a  b"));
        Assert.DoesNotContain(doubleSpace, DemoTokenizer.Instance.Encode("a  b"));
    }

    [Fact]
    public void Encode_IgnoreMerges_UsesWholeWordFromVocabulary()
    {
        // "Ġzzzq" has no merge path, so only ignore_merges can produce it.
        var tokenizer = Load(json =>
        {
            json["model"]!["vocab"]!["Ġzzzq"] = 4096;
            json["model"]!["ignore_merges"] = true;
        });

        Assert.Equal([4096], tokenizer.Encode(" zzzq"));
        Assert.NotEqual([4096], DemoTokenizer.Instance.Encode(" zzzq"));
        Assert.Equal(DemoTokenizer.Instance.Encode(" zzzr"), tokenizer.Encode(" zzzr"));
    }

    [Fact]
    public void Encode_AddedTokenWithStrip_AbsorbsSurroundingWhitespace()
    {
        var tokenizer = Load(json =>
        {
            json["added_tokens"]!.AsArray().Add(new JsonObject
            {
                ["id"] = 4096, ["content"] = "<mask>", ["single_word"] = false, ["lstrip"] = true, ["rstrip"] = true,
                ["normalized"] = false, ["special"] = true,
            });
        });

        Assert.Equal([41, 4096, 41], tokenizer.Encode("H  <mask>\tH"));
        Assert.Equal(4097, tokenizer.VocabSize);
    }

    [Fact]
    public void Decode_NonSpecialAddedToken_KeptWhenSkippingSpecials()
    {
        var tokenizer = Load(json =>
        {
            json["added_tokens"]!.AsArray().Add(new JsonObject
            {
                ["id"] = 4096, ["content"] = "<tool>", ["normalized"] = true, ["special"] = false,
            });
        });

        var ids = tokenizer.Encode("<|endoftext|>H<tool>H");

        Assert.Equal([0, 41, 4096, 41], ids);
        Assert.Equal("H<tool>H", tokenizer.Decode(ids));
        var asText = tokenizer.Encode("<|endoftext|>H<tool>H", recognizeSpecialTokens: false);
        Assert.DoesNotContain(0, asText);
        Assert.Equal([41, 4096, 41], asText[^3..]);
    }

    [Fact]
    public void Encode_LongerAddedTokenAtSamePosition_WinsOverShorter()
    {
        var tokenizer = Load(json =>
        {
            json["added_tokens"]!.AsArray().Add(new JsonObject { ["id"] = 4096, ["content"] = "<|end", ["special"] = true });
        });

        Assert.Equal([0, 4096], tokenizer.Encode("<|endoftext|><|end"));
    }

    [Fact]
    public void Lookups_DemoTokenizer_ReportVocabularyAndAddedTokens()
    {
        var tokenizer = DemoTokenizer.Instance;

        Assert.Equal(4096, tokenizer.VocabSize);
        Assert.Equal(0, tokenizer.TokenToId("<|endoftext|>"));
        Assert.Equal(222, tokenizer.TokenToId("Ġ"));
        Assert.Null(tokenizer.TokenToId("not-a-token-at-all"));
        Assert.Equal("Ġ", tokenizer.IdToToken(222));
        Assert.Null(tokenizer.IdToToken(4096));
        Assert.Null(tokenizer.IdToToken(-1));
        Assert.Equal(["<|endoftext|>", "<|pad|>"], tokenizer.AddedTokens.Select(t => t.Content));
        Assert.True(tokenizer.IsSpecial(1));
        Assert.False(tokenizer.IsSpecial(2));
    }

    [Fact]
    public void Decode_UnknownIds_AreSkipped()
    {
        Assert.Equal("HH", DemoTokenizer.Instance.Decode([41, 99999, -5, 41]));
    }

    [Fact]
    public void WordCache_MoreWordsThanCapacity_KeepsFirstWordsOnly()
    {
        var cache = new WordCache(capacity: 10);
        for (var i = 0; i < 100; i++)
        {
            cache.Add($"w{i}", [i]);
        }

        Assert.Equal(10, cache.Count);
        Assert.True(cache.TryGet("w9", out var ids));
        Assert.Equal([9], ids);
        Assert.False(cache.TryGet("w10", out _));
    }
}
