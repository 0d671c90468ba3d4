using System.Net;
using System.Text;

namespace DistInfer.Silo.Tests;

/// <summary>Strings in a request whose text is not valid (bytes that are not UTF-8, an unpaired surrogate escape).</summary>
[Collection(SiloCollection.Name)]
public sealed class InvalidTextTests(ModelFixture models) : IAsyncLifetime
{
    /// <summary>Stands for the invalid text in a body: "ab", then the bad part, then "cd".</summary>
    private const string Bad = "BAD";

    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    public static TheoryData<string, string, string> Cases() => new()
    {
        { "/v1/completions", """{"model":"demo","prompt":"BAD","max_tokens":3}""", "prompt" },
        { "/v1/completions", """{"model":"demo","prompt":["ok","BAD"],"max_tokens":3}""", "prompt[1]" },
        { "/v1/completions", """{"model":"demo","prompt":"hi","max_tokens":3,"stop":"BAD"}""", "stop" },
        { "/v1/completions", """{"model":"demo","prompt":"hi","max_tokens":3,"stop":["x","BAD"]}""", "stop" },
        { "/v1/completions", """{"model":"BAD","prompt":"hi","max_tokens":3}""", "model" },
        { "/v1/completions", """{"model":"demo","prompt":"hi","max_tokens":3,"suffix":"BAD"}""", "suffix" },
        { "/v1/chat/completions", """{"model":"demo","messages":[{"role":"user","content":"BAD"}],"max_tokens":3}""", "messages[0].content" },
        { "/v1/chat/completions", """{"model":"demo","messages":[{"role":"user","content":[{"type":"text","text":"BAD"}]}],"max_tokens":3}""", "messages[0].content" },
        { "/v1/chat/completions", """{"model":"demo","messages":[{"role":"user","content":[{"type":"BAD","text":"x"}]}],"max_tokens":3}""", "messages[0].content" },
        { "/v1/chat/completions", """{"model":"demo","messages":[{"role":"BAD","content":"x"}],"max_tokens":3}""", "messages[0].role" },
        { "/v1/chat/completions", """{"model":"demo","messages":[{"role":"user","content":"x"}],"max_tokens":3,"stop":"BAD"}""", "stop" },
        { "/v1/chat/completions", """{"model":"demo","messages":[{"role":"user","content":"x"}],"max_tokens":3,"tool_choice":"BAD"}""", "tool_choice" },
        { "/v1/chat/completions", """{"model":"demo","messages":[{"role":"user","content":"x"}],"max_tokens":3,"response_format":{"type":"BAD"}}""", "response_format" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Post_StringWithBytesNotUtf8_400NamingTheField(string path, string body, string param)
    {
        var bytes = Encoding.UTF8.GetBytes(body.Replace(Bad, "ab\u0001cd", StringComparison.Ordinal));
        var at = Array.IndexOf(bytes, (byte)1);
        byte[] invalid = [.. bytes[..at], 0xFF, 0xFE, .. bytes[(at + 1)..]];

        await AssertInvalidTextAsync(path, invalid, param);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Post_StringWithLoneSurrogate_400NamingTheField(string path, string body, string param) =>
        await AssertInvalidTextAsync(path, Encoding.UTF8.GetBytes(body.Replace(Bad, @"ab\ud800cd", StringComparison.Ordinal)), param);

    private async Task AssertInvalidTextAsync(string path, byte[] body, string param)
    {
        var (status, json) = await Api.PostBytesAsync(_silo.Client, path, body);

        Assert.True(status == HttpStatusCode.BadRequest, json.ToString());
        var error = Api.AssertError(json);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.StartsWith($"{param} is not valid text", message, StringComparison.Ordinal);
        Assert.Contains("UTF-8", message, StringComparison.Ordinal);
        Assert.Contains("unpaired surrogate", message, StringComparison.Ordinal);
    }
}
