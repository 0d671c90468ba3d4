using System.Net;

namespace DistInfer.Silo.Tests;

/// <summary>OpenAI parameters DistInfer does not implement: defaults pass, anything else is a 400 naming the field.</summary>
[Collection(SiloCollection.Name)]
public sealed class UnsupportedParametersTests(ModelFixture models) : IAsyncLifetime
{
    private const string Prompt = """{"model":"demo","prompt":"hi","max_tokens":1,"temperature":0""";
    private const string Messages = """{"model":"demo","messages":[{"role":"user","content":"hi"}],"max_tokens":1,"temperature":0""";
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Theory]
    [InlineData(""","echo":true""", "echo", "echo is not supported by DistInfer (got true); only false is accepted")]
    [InlineData(""","suffix":" end","n":1""", "suffix", "suffix is not supported by DistInfer (got 4 characters); only an empty string or null is accepted")]
    [InlineData(""","best_of":3""", "best_of", "best_of is not supported by DistInfer (got 3); only 1 or the value of n (1) is accepted")]
    [InlineData(""","best_of":3,"n":2""", "best_of", null)]
    [InlineData(""","logit_bias":{"50256":-100}""", "logit_bias", "logit_bias is not supported by DistInfer (got 1 entry); only an empty object or null is accepted")]
    [InlineData(""","logit_bias":"none","n":1""", "logit_bias", null)]
    [InlineData(""","presence_penalty":0.5""", "presence_penalty", "presence_penalty is not supported by DistInfer (got 0.5); only 0 is accepted")]
    [InlineData(""","frequency_penalty":-1""", "frequency_penalty", "frequency_penalty is not supported by DistInfer (got -1); only 0 is accepted")]
    [InlineData(""","include_stop_str_in_output":true""", "include_stop_str_in_output", null)]
    [InlineData(""","skip_special_tokens":false""", "skip_special_tokens", null)]
    [InlineData(""","prompt_logprobs":1""", "prompt_logprobs", null)]
    [InlineData(""","guided_json":{"type":"object"}""", "guided_json", null)]
    [InlineData(""","guided_regex":"[a-z]+","n":1""", "guided_regex", null)]
    [InlineData(""","stop_token_ids":[-1]""", "stop_token_ids", null)]
    [InlineData(""","stop_token_ids":7""", "stop_token_ids", null)]
    public async Task Completions_NonDefaultUnsupportedParameter_400NamingIt(string fields, string param, string? message)
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", Prompt + fields + "}");

        AssertRefused(status, json, param, message);
    }

    [Theory]
    [InlineData(""","presence_penalty":2""", "presence_penalty", "presence_penalty is not supported by DistInfer (got 2); only 0 is accepted")]
    [InlineData(""","frequency_penalty":0.1""", "frequency_penalty", null)]
    [InlineData(""","logit_bias":{"1":5,"2":-5}""", "logit_bias", "logit_bias is not supported by DistInfer (got 2 entries); only an empty object or null is accepted")]
    [InlineData(""","response_format":{"type":"json_object"}""", "response_format", "response_format is not supported by DistInfer (got type 'json_object'); only {\"type\":\"text\"} is accepted")]
    [InlineData(""","response_format":{"type":"json_schema","json_schema":{"name":"x"}}""", "response_format", null)]
    [InlineData(""","response_format":"json","n":1""", "response_format", null)]
    [InlineData(""","tools":[{"type":"function","function":{"name":"f"}}]""", "tools", "tools is not supported by DistInfer (got a list of 1); only an empty list or null is accepted")]
    [InlineData(""","tools":{}""", "tools", null)]
    [InlineData(""","functions":[{"name":"f"}]""", "functions", null)]
    [InlineData(""","tool_choice":"required","n":1""", "tool_choice", "tool_choice is not supported by DistInfer (got \"required\"); only \"none\", \"auto\" or null is accepted")]
    [InlineData(""","tool_choice":{"type":"function","function":{"name":"f"}}""", "tool_choice", null)]
    [InlineData(""","function_call":{"name":"f"}""", "function_call", null)]
    [InlineData(""","guided_choice":["yes","no"]""", "guided_choice", null)]
    [InlineData(""","guided_grammar":"root ::= x","n":1""", "guided_grammar", null)]
    public async Task ChatCompletions_NonDefaultUnsupportedParameter_400NamingIt(string fields, string param, string? message)
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", Messages + fields + "}");

        AssertRefused(status, json, param, message);
    }

    [Theory]
    [InlineData(""","suffix":"","echo":false,"best_of":1,"presence_penalty":0,"frequency_penalty":0,"logit_bias":{}""")]
    [InlineData(""","echo":null,"best_of":2,"n":2,"presence_penalty":null,"frequency_penalty":0.0,"logit_bias":null,"suffix":null""")]
    [InlineData(""","include_stop_str_in_output":false,"skip_special_tokens":true,"prompt_logprobs":null,"guided_json":null,"stop_token_ids":[]""")]
    public async Task Completions_UnsupportedParametersAtTheirDefaults_200(string fields)
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", Prompt + fields + "}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text_completion", json.GetProperty("object").GetString());
    }

    [Theory]
    [InlineData(""","presence_penalty":0,"frequency_penalty":0,"logit_bias":{},"response_format":{"type":"text"},"tools":[],"tool_choice":"none","n":1""")]
    [InlineData(""","logit_bias":null,"response_format":null,"tools":null,"tool_choice":"auto","functions":[],"function_call":"none","n":1""")]
    public async Task ChatCompletions_UnsupportedParametersAtTheirDefaults_200(string fields)
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", Messages + fields + "}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
    }

    private static void AssertRefused(HttpStatusCode status, System.Text.Json.JsonElement json, string param, string? message)
    {
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Api.AssertError(json);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        var text = error.GetProperty("message").GetString();
        Assert.Equal(message ?? text, text);
        Assert.StartsWith(param, text, StringComparison.Ordinal);
    }
}
