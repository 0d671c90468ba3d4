using System.Net;
using System.Text;

namespace DistInfer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class ErrorTests(ModelFixture models) : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync() =>
        _silo = await TestSilo.StartAsync(models.Service, o =>
        {
            o.MaxRequestBodyBytes = 4096;
            o.Routes.Add(new() { Alias = "broken", SmallModel = "demo", LargeModel = "not-deployed" });
        });

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Theory]
    [InlineData("""{"model":"demo","prompt":"hi",""", null)]
    [InlineData("""[1,2]""", null)]
    [InlineData("""{"prompt":"hi"}""", "model")]
    [InlineData("""{"model":"demo"}""", "prompt")]
    [InlineData("""{"model":"demo","prompt":"hi","max_tokens":"many"}""", "max_tokens")]
    [InlineData("""{"model":"demo","prompt":"hi","max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"demo","prompt":"hi","temperature":2.5}""", "temperature")]
    [InlineData("""{"model":"demo","prompt":"hi","top_p":0}""", "top_p")]
    [InlineData("""{"model":"demo","prompt":"hi","n":0}""", "n")]
    [InlineData("""{"model":"demo","prompt":"hi","n":17}""", "n")]
    [InlineData("""{"model":"demo","prompt":"hi","logprobs":-1}""", "logprobs")]
    [InlineData("""{"model":"demo","prompt":"hi","logprobs":6}""", "logprobs")]
    [InlineData("""{"model":"demo","prompt":"hi","stop":[1]}""", "stop")]
    [InlineData("""{"model":"demo","prompt":[1,99999]}""", "prompt")]
    [InlineData("""{"model":"demo","prompt":[-1]}""", "prompt")]
    [InlineData("""{"model":"demo","prompt":[]}""", "prompt")]
    [InlineData("""{"model":"demo","prompt":["a",[1]]}""", "prompt")]
    [InlineData("""{"model":"demo","prompt":""}""", "prompt")]
    [InlineData("""{"model":"demo","prompt":"hi","stream_options":{"include_usage":true}}""", "stream_options")]
    [InlineData("""{"model":"demo","prompt":"hi","stream":false,"stream_options":{"include_usage":false}}""", "stream_options")]
    public async Task Completions_BadRequest_400NamingTheField(string body, string? param)
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Api.AssertError(json);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        if (param is not null)
        {
            Assert.Equal(param, error.GetProperty("param").GetString());
            Assert.Contains(param, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"model":"demo"}""", "messages")]
    [InlineData("""{"model":"demo","messages":[{"role":"wizard","content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"model":"demo","messages":[{"role":"user","content":[{"type":"image_url"}]}]}""", "messages[0].content")]
    [InlineData("""{"model":"demo","messages":[{"role":"user"}]}""", "messages[0].content")]
    [InlineData("""{"model":"demo","messages":[{"role":"system","content":"x"},{"role":"user","content":null}]}""", "messages[1].content")]
    [InlineData("""{"model":"demo","messages":[{"role":"user","content":"x"},{"role":"assistant","content":null}]}""", "messages[1].content")]
    [InlineData("""{"model":"demo","messages":[{"role":"user","content":"x"}],"max_completion_tokens":-3}""", "max_completion_tokens")]
    [InlineData("""{"model":"demo","messages":[{"role":"user","content":"x"}],"logprobs":true,"top_logprobs":21}""", "top_logprobs")]
    [InlineData("""{"model":"demo","messages":[{"role":"user","content":"x"}],"logprobs":true,"top_logprobs":-1}""", "top_logprobs")]
    [InlineData("""{"model":"demo","messages":[{"role":"user","content":"x"}],"top_logprobs":2}""", "top_logprobs")]
    [InlineData("""{"model":"demo","messages":[{"role":"user","content":"x"}],"logprobs":false,"top_logprobs":2}""", "top_logprobs")]
    [InlineData("""{"model":"demo","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}}""", "stream_options")]
    public async Task ChatCompletions_BadRequest_400NamingTheField(string body, string param)
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Api.AssertError(json);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(param, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/completions", """{"model":"demo","prompt":"hi","max_tokens":"ten"}""", "max_tokens", "max_tokens must be an integer (at $.max_tokens)")]
    [InlineData("/v1/completions", """{"model":"demo","prompt":"hi","max_tokens":4.5}""", "max_tokens", "max_tokens must be an integer (at $.max_tokens)")]
    [InlineData("/v1/completions", """{"model":"demo","prompt":"hi","max_tokens":99999999999}""", "max_tokens", "max_tokens is out of range: 99999999999 is not between -2147483648 and 2147483647 (at $.max_tokens)")]
    [InlineData("/v1/completions", """{"model":"demo","prompt":"hi","n":-3e10}""", "n", "n is out of range: -3e10 is not between -2147483648 and 2147483647 (at $.n)")]
    [InlineData("/v1/chat/completions", """{"model":"demo","messages":[{"role":"user","content":"x"}],"max_completion_tokens":4294967296}""", "max_completion_tokens", "max_completion_tokens is out of range: 4294967296 is not between -2147483648 and 2147483647 (at $.max_completion_tokens)")]
    [InlineData("/v1/completions", """{"model":"demo","prompt":"hi","temperature":"hot"}""", "temperature", "temperature must be a number (at $.temperature)")]
    [InlineData("/v1/completions", """{"model":7,"prompt":"hi"}""", "model", "model must be a string (at $.model)")]
    [InlineData("/v1/completions", """{"model":"demo","prompt":"hi","stream":"yes"}""", "stream", "stream must be a boolean (true or false) (at $.stream)")]
    [InlineData("/v1/completions", """{"model":"demo","prompt":"hi","stream_options":{"include_usage":1}}""", "stream_options.include_usage", "stream_options.include_usage must be a boolean (true or false) (at $.stream_options.include_usage)")]
    [InlineData("/v1/chat/completions", """{"model":"demo","messages":"hi"}""", "messages", "messages must be an array (at $.messages)")]
    [InlineData("/v1/chat/completions", """{"model":"demo","messages":["hi"]}""", "messages[0]", "messages[0] must be an object (at $.messages[0])")]
    [InlineData("/v1/chat/completions", """{"model":"demo","messages":[{"role":"user","content":"x"},{"role":5,"content":"x"}]}""", "messages[1].role", "messages[1].role must be a string (at $.messages[1].role)")]
    public async Task Post_ValueOfWrongJsonType_400NamingThePathAndJsonType(string path, string body, string param, string message)
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, path, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Api.AssertError(json);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(message, error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("""[1,2]""", "the request body must be an object")]
    [InlineData("""{"model":"demo","prompt":"hi",""", "the request body is not valid JSON: ")]
    public async Task Completions_BodyNotAnObject_400WithoutDotNetTypeNames(string body, string start)
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var message = Api.AssertError(json).GetProperty("message").GetString()!;
        Assert.StartsWith(start, message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", message, StringComparison.Ordinal);
        Assert.DoesNotContain("DistInfer.", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completions_UnknownModel_404ModelNotFound()
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"gpt-9","prompt":"hi"}""");

        Assert.Equal(HttpStatusCode.NotFound, status);
        var error = Api.AssertError(json);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Completions_PromptPlusMaxTokensBeyondContext_400ContextLengthExceeded()
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"hi","max_tokens":1024}""");

        // OpenAI and vLLM answer 400 (not 413) with this code.
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Api.AssertError(json);
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("max_tokens 1024 were requested", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completions_PromptPlusDefaultMaxTokensBeyondContext_MessageSaysTheDefault()
    {
        var prompt = string.Join(',', Enumerable.Repeat("1", 1020));
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", $$"""{"model":"demo","prompt":[{{prompt}}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Api.AssertError(json);
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("the prompt has 1020 tokens and max_tokens defaults to 16", message, StringComparison.Ordinal);
        Assert.DoesNotContain("were requested", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completions_BodyOverLimit_413()
    {
        var body = $$"""{"model":"demo","prompt":"{{new string('a', 5000)}}"}""";
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("request_too_large", Api.AssertError(json).GetProperty("code").GetString());
    }

    /// <summary>Without Content-Length, Kestrel's limit (ours plus one byte) is met while reading: the message must still name ours.</summary>
    [Fact]
    public async Task Completions_ChunkedBodyOverLimit_413NamingTheLimit()
    {
        var body = $$"""{"model":"demo","prompt":"{{new string('a', 5000)}}"}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/completions", UriKind.Relative)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _silo.Client.SendAsync(request);
        var error = Api.AssertError(System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", error.GetProperty("code").GetString());
        Assert.Equal("the request body is larger than the limit of 4096 bytes", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Completions_QueueFull_429()
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"full","prompt":"hi","max_tokens":2}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("over_capacity", Api.AssertError(json).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Completions_StreamQueueFull_429BeforeAnyEvent()
    {
        var (status, json, response) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"full","prompt":"hi","max_tokens":2,"stream":true}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Api.AssertError(json);
    }

    [Fact]
    public async Task Completions_RouteWithUndeployedModel_503()
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"broken","prompt":"hi","max_tokens":2}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("no_replica_available", Api.AssertError(json).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Completions_BadRequestsAmongConcurrentGoodOnes_GoodOnesUnaffected()
    {
        const string Good = """{"model":"demo","prompt":"The license","max_tokens":8,"temperature":0}""";
        var (_, reference, _) = await Api.PostAsync(_silo.Client, "/v1/completions", Good);
        var expected = reference.GetProperty("choices")[0].GetProperty("text").GetString();

        var bad = new[] { """{"model":"demo","prompt":[1,99999]}""", "{not json", """{"model":"demo","prompt":"x","max_tokens":5000}""", """{"model":"full","prompt":"x"}""" };
        var tasks = new List<Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body, HttpResponseMessage Response)>>();
        for (var i = 0; i < 6; i++)
        {
            tasks.Add(Api.PostAsync(_silo.Client, "/v1/completions", Good));
            tasks.Add(Api.PostAsync(_silo.Client, "/v1/completions", bad[i % bad.Length]));
        }

        var results = await Task.WhenAll(tasks);
        for (var i = 0; i < results.Length; i += 2)
        {
            Assert.Equal(HttpStatusCode.OK, results[i].Status);
            Assert.Equal(expected, results[i].Body.GetProperty("choices")[0].GetProperty("text").GetString());
            Assert.NotEqual(HttpStatusCode.OK, results[i + 1].Status);
            Api.AssertError(results[i + 1].Body);
        }
    }

    [Fact]
    public async Task Completions_EmptyBody_400()
    {
        using var content = new StringContent("", Encoding.UTF8, "application/json");
        var response = await _silo.Client.PostAsync(new Uri("/v1/completions", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
