using System.Text.Json.Nodes;
using DistInfer.Engine.Tokenization;

namespace DistInfer.Engine.Tests.Tokenization;

public sealed class TokenizerErrorTests
{
    private static TokenizerException LoadFails(Action<JsonObject> edit, string expectedInMessage)
    {
        using var file = TempTokenizerFile.FromDemo(edit);
        var error = Assert.Throws<TokenizerException>(() => BpeTokenizer.FromFile(file.Path));
        Assert.Contains(file.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expectedInMessage, error.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public void FromFile_MissingFile_ThrowsNamingFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "tokenizer.json");

        var error = Assert.Throws<TokenizerException>(() => BpeTokenizer.FromFile(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_BadJson_ThrowsNotValidJson()
    {
        using var file = TempTokenizerFile.WithText("{\"model\": {\"type\": \"BPE\",");

        var error = Assert.Throws<TokenizerException>(() => BpeTokenizer.FromFile(file.Path));

        Assert.Contains(file.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<DistInferException>(error);
    }

    [Fact]
    public void FromDirectory_MissingDirectory_Throws()
    {
        var dir = Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<TokenizerException>(() => BpeTokenizer.FromDirectory(dir));

        Assert.Contains(dir, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDirectory_NoTokenizerJson_ThrowsNamingFile()
    {
        using var file = TempTokenizerFile.WithText("{}");
        File.Delete(file.Path);

        var error = Assert.Throws<TokenizerException>(() => BpeTokenizer.FromDirectory(file.Directory));

        Assert.Contains("no tokenizer.json", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("WordPiece")]
    [InlineData("Unigram")]
    [InlineData("WordLevel")]
    public void FromFile_OtherModelType_ThrowsUnsupported(string type)
    {
        LoadFails(json => json["model"]!["type"] = type, $"model type '{type}'");
    }

    [Fact]
    public void FromFile_ByteFallback_ThrowsUnsupported()
    {
        LoadFails(json => json["model"]!["byte_fallback"] = true, "byte_fallback");
    }

    [Fact]
    public void FromFile_Dropout_ThrowsUnsupported()
    {
        LoadFails(json => json["model"]!["dropout"] = 0.1, "dropout");
    }

    [Fact]
    public void FromFile_ContinuingSubwordPrefix_ThrowsUnsupported()
    {
        LoadFails(json => json["model"]!["continuing_subword_prefix"] = "##", "continuing_subword_prefix");
    }

    [Fact]
    public void FromFile_Normalizer_ThrowsUnsupported()
    {
        LoadFails(json => json["normalizer"] = new JsonObject { ["type"] = "NFC" }, "normalizer 'NFC'");
    }

    [Fact]
    public void FromFile_MetaspacePreTokenizer_ThrowsUnsupported()
    {
        LoadFails(json => json["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace" }, "pre_tokenizer 'Metaspace'");
    }

    [Fact]
    public void FromFile_NoPreTokenizer_ThrowsUnsupported()
    {
        LoadFails(json => json["pre_tokenizer"] = null, "no pre_tokenizer");
    }

    [Fact]
    public void FromFile_OtherDecoder_ThrowsUnsupported()
    {
        LoadFails(json => json["decoder"] = new JsonObject { ["type"] = "WordPiece" }, "decoder 'WordPiece'");
    }

    [Fact]
    public void FromFile_TemplatePostProcessor_ThrowsUnsupported()
    {
        LoadFails(
            json => json["post_processor"] = new JsonObject { ["type"] = "TemplateProcessing" },
            "post_processor 'TemplateProcessing'");
    }

    [Fact]
    public void FromFile_SingleWordAddedToken_ThrowsUnsupported()
    {
        LoadFails(json => json["added_tokens"]![0]!["single_word"] = true, "single_word");
    }

    [Fact]
    public void FromFile_MergeOfUnknownToken_ThrowsNamingMerge()
    {
        LoadFails(json => json["model"]!["merges"]!.AsArray().Add(new JsonArray("Ġ", "nope")), "uses token 'nope'");
    }

    [Fact]
    public void FromFile_MalformedMerge_ThrowsNamingMerge()
    {
        LoadFails(json => json["model"]!["merges"]!.AsArray().Insert(0, "a b c"), "model.merges[0]");
    }

    [Fact]
    public void FromFile_MissingVocab_ThrowsNamingField()
    {
        LoadFails(json => json["model"]!.AsObject().Remove("vocab"), "'vocab' is missing");
    }

    [Fact]
    public void FromFile_NegativeVocabId_ThrowsNamingEntry()
    {
        LoadFails(json => json["model"]!["vocab"]!["zzz"] = -3, "'zzz'");
    }

    [Fact]
    public void FromFile_HugeAddedTokenId_ThrowsNamingId()
    {
        LoadFails(json => json["added_tokens"]![1]!["id"] = 2_000_000_000, "added token id 2000000000");
    }
}
