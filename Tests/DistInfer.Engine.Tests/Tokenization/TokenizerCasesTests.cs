namespace DistInfer.Engine.Tests.Tokenization;

/// <summary>models/demo-moe/tokenizer_cases.json: encodings and decodings made by the tokenizers library.</summary>
public sealed class TokenizerCasesTests
{
    public static TheoryData<int, string, int[], string> Cases()
    {
        var data = new TheoryData<int, string, int[], string>();
        var cases = DemoTokenizer.LoadJson("tokenizer_cases.json").AsArray();
        for (var i = 0; i < cases.Count; i++)
        {
            var entry = cases[i]!;
            data.Add(i, entry["text"]!.GetValue<string>(), DemoTokenizer.Ids(entry["ids"]!), entry["decoded"]!.GetValue<string>());
        }

        return data;
    }

    [Fact]
    public void Cases_ReferenceFile_HasAllFourteen()
    {
        Assert.Equal(14, Cases().Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_ReferenceCase_MatchesTokenizersLibrary(int index, string text, int[] ids, string decoded)
    {
        _ = index;
        _ = decoded;
        Assert.Equal(ids, DemoTokenizer.Instance.Encode(text));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_ReferenceCase_MatchesTokenizersLibrary(int index, string text, int[] ids, string decoded)
    {
        _ = index;
        _ = text;
        Assert.Equal(decoded, DemoTokenizer.Instance.Decode(ids));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StreamDecode_ReferenceCase_EqualsFullDecode(int index, string text, int[] ids, string decoded)
    {
        _ = index;
        _ = text;
        var stream = DemoTokenizer.Instance.CreateStreamDecoder();
        var output = string.Concat(ids.Select(stream.Append)) + stream.Flush();
        Assert.Equal(decoded, output);
    }

    [Fact]
    public void Decode_SpecialTokensKept_ShowsThemVerbatim()
    {
        var ids = DemoTokenizer.Instance.Encode("<|endoftext|>between<|endoftext|>");

        Assert.Equal("<|endoftext|>between<|endoftext|>", DemoTokenizer.Instance.Decode(ids, skipSpecialTokens: false));
    }

    [Fact]
    public void Encode_PadTokenInText_EmitsPadId()
    {
        Assert.Equal([1, 41, 1], DemoTokenizer.Instance.Encode("<|pad|>H<|pad|>"));
    }

    [Fact]
    public void Encode_SpecialTokensNotRecognised_EncodesThemAsText()
    {
        var tokenizer = DemoTokenizer.Instance;

        var ids = tokenizer.Encode("<|endoftext|>between", recognizeSpecialTokens: false);

        Assert.DoesNotContain(0, ids);
        Assert.Equal("<|endoftext|>between", tokenizer.Decode(ids));
    }
}
