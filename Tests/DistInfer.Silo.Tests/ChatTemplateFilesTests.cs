using System.Net;
using System.Text.Json;
using DistInfer.Silo.Serving;
using Microsoft.Extensions.Logging;

namespace DistInfer.Silo.Tests;

/// <summary>
/// Chat templates as models ship them: chat_template.jinja, named templates in tokenizer_config.json, and a
/// tokenizer_config.json that cannot be read (which used to fail every request for the model with a 500).
/// </summary>
public sealed class ChatTemplateFilesTests : IDisposable
{
    private const string Chat = """{"model":"m","messages":[{"role":"user","content":"Hello"}],"max_tokens":1,"temperature":0}""";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ChatCompletions_ChatTemplateJinjaBesideConfig_RendersTheJinja()
    {
        var model = ModelCopy.Of(_temp, "jinja", RepoPaths.DemoModel,
            ("chat_template.jinja", ChatTemplateTests.ChatMlJinja), ("tokenizer_config.json", """{"chat_template": "{{ 'from the config' }}"}"""));

        var promptTokens = await PromptTokensAsync(model);

        Assert.Equal(Encode("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"), promptTokens);
    }

    [Fact]
    public async Task ChatCompletions_NamedTemplatesInConfig_RendersTheDefaultOne()
    {
        var model = ModelCopy.Of(_temp, "named", RepoPaths.DemoModel, ("tokenizer_config.json",
            """{"chat_template": [{"name": "tool_use", "template": "{{ 'tools' }}"}, {"name": "default", "template": "### {{ messages[0].content }} ###"}]}"""));

        var promptTokens = await PromptTokensAsync(model);

        Assert.Equal(Encode("### Hello ###"), promptTokens);
    }

    [Theory]
    [InlineData("""{"chat_template": "x", """, "tokenizer_config.json is not valid JSON: ")]
    [InlineData("""{"chat_template": [{"name": "rag", "template": "x"}]}""", "tokenizer_config.json's chat_template lists named templates (rag) but none named \"default\"")]
    public async Task Requests_TemplateUnusable_ChatRefusedNamingTheFileEverythingElseServes(string config, string problem)
    {
        var model = ModelCopy.Of(_temp, "broken", RepoPaths.DemoModel, ("tokenizer_config.json", config));
        var logger = new ListLogger<LocalInferenceService>();
        await using var service = new LocalInferenceService(logger);
        service.Add("m", model);
        await using var silo = await TestSilo.StartAsync(service);

        var (chat, chatBody, _) = await Api.PostAsync(silo.Client, "/v1/chat/completions", Chat);
        var (completion, _, _) = await Api.PostAsync(silo.Client, "/v1/completions", """{"model":"m","prompt":"hi","max_tokens":1}""");
        using var info = await silo.Client.GetAsync(new Uri("/v1/models/m", UriKind.Relative));
        using var list = JsonDocument.Parse(await silo.Client.GetStringAsync(new Uri("/v1/models", UriKind.Relative)));

        Assert.Equal(HttpStatusCode.BadRequest, chat);
        var error = Api.AssertError(chatBody);
        Assert.Equal("chat_template_unusable", error.GetProperty("code").GetString());
        Assert.StartsWith($"model 'm' cannot serve chat completions: {problem}", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, completion);
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        Assert.Contains("m", list.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        var warning = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(problem, warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "model m has no chat template (no chat_template.jinja, no chat_template in tokenizer_config.json): chat completions use the built-in format")]
    [InlineData("{% set x = 1 %}", "model m's chat template (tokenizer_config.json) is outside what DistInfer's template renderer supports (unsupported tag {% set %}): chat completions use the built-in format")]
    public async Task Add_ModelChattingInTheBuiltInFormat_LogsItOnce(string? template, string expected)
    {
        var model = template is null
            ? RepoPaths.DemoModel
            : ModelCopy.Of(_temp, "unsupported", RepoPaths.DemoModel, ("tokenizer_config.json", JsonSerializer.Serialize(new Dictionary<string, string> { ["chat_template"] = template })));
        var logger = new ListLogger<LocalInferenceService>();
        await using var service = new LocalInferenceService(logger);

        service.Add("m", model);
        await using var silo = await TestSilo.StartAsync(service);
        var (chat, _, _) = await Api.PostAsync(silo.Client, "/v1/chat/completions", Chat);
        var (again, _, _) = await Api.PostAsync(silo.Client, "/v1/chat/completions", Chat);

        Assert.Equal(HttpStatusCode.OK, chat);
        Assert.Equal(HttpStatusCode.OK, again);
        var warning = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.StartsWith(expected, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_SupportedTemplate_LogsNothing()
    {
        var model = ModelCopy.Of(_temp, "chatml", RepoPaths.DemoModel, ("chat_template.jinja", ChatTemplateTests.ChatMlJinja));
        var logger = new ListLogger<LocalInferenceService>();
        await using var service = new LocalInferenceService(logger);

        service.Add("m", model);

        Assert.Empty(logger.Entries);
    }

    private static int Encode(string text) => Engine.Tokenization.BpeTokenizer.FromDirectory(RepoPaths.DemoModel).Encode(text).Length;

    private static async Task<int> PromptTokensAsync(string model)
    {
        await using var service = new LocalInferenceService();
        service.Add("m", model);
        await using var silo = await TestSilo.StartAsync(service);

        var (status, body, _) = await Api.PostAsync(silo.Client, "/v1/chat/completions", Chat);

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
    }
}
