using System.Net;
using System.Text.Json;

namespace DistInfer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class ChatCompletionsTests(ModelFixture models) : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task ChatCompletions_Messages_ReturnsAssistantMessageAndUsage()
    {
        const string Request = """{"model":"demo","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":[{"type":"text","text":"What is the MIT license?"}]}],"max_tokens":6,"temperature":0}""";
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", Request);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("chatcmpl-", body.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        var choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        var ids = choice.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(models.Service.Find("demo")!.Tokenizer.Decode(ids), choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Contains(choice.GetProperty("finish_reason").GetString(), new[] { "stop", "length" });

        // The default template: "<|role|>\ncontent\n" per message, then the assistant tag.
        var tokenizer = models.Service.Find("demo")!.Tokenizer;
        var expectedPrompt = new[] { "<|system|>\n", "You are terse.", "\n", "<|user|>\n", "What is the MIT license?", "\n", "<|assistant|>\n" }.Sum(s => tokenizer.Encode(s).Length);
        var usage = body.GetProperty("usage");
        Assert.Equal(expectedPrompt, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(ids.Length, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(expectedPrompt + ids.Length, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task ChatCompletions_NoMaxTokens_UsesRestOfContext()
    {
        const string Request = """{"model":"demo","messages":[{"role":"user","content":"Hello"}],"temperature":0,"stop":["\n"]}""";
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", Request);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.String, body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").ValueKind);
    }

    [Fact]
    public async Task ChatCompletions_PromptBeyondContextWithoutMaxTokens_400WithoutClaimingAMaxTokens()
    {
        var content = string.Concat(Enumerable.Repeat("license ", 1100));
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", $$"""{"model":"demo","messages":[{"role":"user","content":"{{content}}"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Api.AssertError(body);
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("messages", error.GetProperty("param").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("maximum context length is 1024 tokens", message, StringComparison.Ordinal);
        Assert.Contains("leaves no room for a completion", message, StringComparison.Ordinal);
        Assert.DoesNotContain("max_tokens", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletions_TextParts_JoinedByNewlineAsVllm()
    {
        const string Request = """{"model":"demo","messages":[{"role":"user","content":[{"type":"text","text":"hello"},{"type":"text","text":"world"}]}],"max_tokens":1,"temperature":0}""";

        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", Request);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(DefaultTemplateTokens("hello\nworld"), body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.NotEqual(DefaultTemplateTokens("helloworld"), DefaultTemplateTokens("hello\nworld"));
    }

    [Fact]
    public async Task ChatCompletions_AssistantToolCallsWithNullContent_AcceptedAsAnEmptyTurn()
    {
        const string Request = """
            {"model":"demo","max_tokens":1,"temperature":0,"messages":[
              {"role":"user","content":"weather?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"sunny"}]}
            """;

        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", Request);

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var tokenizer = models.Service.Find("demo")!.Tokenizer;
        var expected = new[] { "<|user|>\n", "weather?", "\n", "<|assistant|>\n", "\n", "<|tool|>\n", "sunny", "\n", "<|assistant|>\n" }.Sum(t => tokenizer.Encode(t).Length);
        Assert.Equal(expected, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Theory]
    [InlineData("assistant", "messages[0].content is missing or null; an assistant message needs content (a string or a list of text parts), unless it has tool_calls")]
    [InlineData("user", "messages[0].content is missing or null; a user message needs content (a string or a list of text parts)")]
    public async Task ChatCompletions_NullContentWithoutToolCalls_400InGoodEnglish(string role, string expected)
    {
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", $$"""{"model":"demo","messages":[{"role":"{{role}}","content":null,"tool_calls":[]}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(expected, Api.AssertError(body).GetProperty("message").GetString());
    }

    /// <summary>Prompt tokens of one user message in the default template ("&lt;|user|&gt;\n", content, "\n", "&lt;|assistant|&gt;\n").</summary>
    private int DefaultTemplateTokens(string content)
    {
        var tokenizer = models.Service.Find("demo")!.Tokenizer;
        return new[] { "<|user|>\n", content, "\n", "<|assistant|>\n" }.Sum(t => tokenizer.Encode(t).Length);
    }
}
