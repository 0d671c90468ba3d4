using DistInfer.Engine.Tokenization;

namespace DistInfer.Engine.Tests.Tokenization;

/// <summary>Where a model's chat template comes from, as transformers finds it.</summary>
public sealed class ChatTemplateReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_NoFiles_Null()
    {
        Assert.Null(ChatTemplateReader.Read(_dir.Path));
    }

    [Theory]
    [InlineData("""{"bos_token": "<s>"}""")]
    [InlineData("""{"chat_template": null}""")]
    public void Read_ConfigWithoutTemplate_Null(string config)
    {
        File.WriteAllText(_dir.File("tokenizer_config.json"), config);

        Assert.Null(ChatTemplateReader.Read(_dir.Path));
    }

    [Fact]
    public void Read_ConfigString_ThatTemplate()
    {
        File.WriteAllText(_dir.File("tokenizer_config.json"), """{"chat_template": "{{ messages }}"}""");

        Assert.Equal(new ChatTemplateSource("tokenizer_config.json", "{{ messages }}"), ChatTemplateReader.Read(_dir.Path));
    }

    [Fact]
    public void Read_JinjaBesideConfig_JinjaWins()
    {
        File.WriteAllText(_dir.File("tokenizer_config.json"), """{"chat_template": "from the config"}""");
        File.WriteAllText(_dir.File("chat_template.jinja"), "from the file\n");

        Assert.Equal(new ChatTemplateSource("chat_template.jinja", "from the file\n"), ChatTemplateReader.Read(_dir.Path));
    }

    [Fact]
    public void Read_JinjaAlone_ThatTemplate()
    {
        File.WriteAllText(_dir.File("chat_template.jinja"), "only the file");

        Assert.Equal("only the file", ChatTemplateReader.Read(_dir.Path)!.Template);
    }

    [Fact]
    public void Read_NamedTemplates_TheDefaultOne()
    {
        File.WriteAllText(_dir.File("tokenizer_config.json"),
            """{"chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "default", "template": "plain"}, {"name": "rag", "template": "rag"}]}""");

        Assert.Equal(new ChatTemplateSource("tokenizer_config.json", "plain"), ChatTemplateReader.Read(_dir.Path));
    }

    [Fact]
    public void Read_NamedTemplatesWithoutDefault_ProblemNamingThem()
    {
        File.WriteAllText(_dir.File("tokenizer_config.json"), """{"chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "rag", "template": "rag"}]}""");

        var source = ChatTemplateReader.Read(_dir.Path)!;

        Assert.Null(source.Template);
        Assert.Equal("tokenizer_config.json's chat_template lists named templates (tool_use, rag) but none named \"default\"", source.Problem);
    }

    [Theory]
    [InlineData("""{"chat_template": "x", """, "tokenizer_config.json is not valid JSON: ")]
    [InlineData("", "tokenizer_config.json is not valid JSON: ")]
    [InlineData("[1, 2]", "tokenizer_config.json must hold a JSON object (it holds a list)")]
    [InlineData("""{"chat_template": 42}""", "tokenizer_config.json: chat_template must be a string or a list of named templates (it is a number)")]
    [InlineData("""{"chat_template": [{"name": "default"}]}""", "tokenizer_config.json: chat_template[0] must be an object with a string \"name\" and a string \"template\"")]
    [InlineData("""{"chat_template": ["x"]}""", "tokenizer_config.json: chat_template[0] must be an object")]
    public void Read_BrokenConfig_ThrowsNamingTheFileAndWhat(string config, string expected)
    {
        File.WriteAllText(_dir.File("tokenizer_config.json"), config);

        var e = Assert.Throws<TokenizerException>(() => ChatTemplateReader.Read(_dir.Path));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BrokenConfigBesideJinja_StillThrows()
    {
        // transformers reads the config whatever the .jinja says, and fails on it.
        File.WriteAllText(_dir.File("tokenizer_config.json"), "{");
        File.WriteAllText(_dir.File("chat_template.jinja"), "fine");

        Assert.Throws<TokenizerException>(() => ChatTemplateReader.Read(_dir.Path));
    }
}
