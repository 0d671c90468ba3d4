using System.Net;
using System.Text;
using System.Text.Json;
using DistInfer.Engine;
using DistInfer.Silo.Http;

namespace DistInfer.Silo.Tests;

/// <summary>What a browser or an SDK gets beyond the endpoints: unknown paths, wrong methods, CORS, HEAD /health.</summary>
[Collection(SiloCollection.Name)]
public sealed class HttpRoutesTests(ModelFixture models)
{
    private const string Page = "http://page.example:3000";

    [Theory]
    [InlineData("POST", "/v1/embeddings", "embeddings are not supported by DistInfer: it serves text generation (POST /v1/completions, POST /v1/chat/completions)")]
    [InlineData("POST", "/v1/nothing", "no such endpoint: POST /v1/nothing; DistInfer serves POST /v1/completions, POST /v1/chat/completions, GET /v1/models, GET /health, GET /metrics")]
    [InlineData("GET", "/favicon.ico", "no such endpoint: GET /favicon.ico;")]
    public async Task UnknownRoute_404OpenAiErrorNamingIt(string method, string path, string expected)
    {
        await using var silo = await TestSilo.StartAsync(models.Service);

        var (status, body, _) = await SendAsync(silo, method, path);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.StartsWith(expected, Api.AssertError(body).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("GET", "/v1/chat/completions", "method GET is not allowed for /v1/chat/completions; use POST")]
    [InlineData("PUT", "/v1/completions", "method PUT is not allowed for /v1/completions; use POST")]
    [InlineData("POST", "/v1/models", "method POST is not allowed for /v1/models; use GET")]
    public async Task WrongMethod_405OpenAiErrorNamingTheMethod(string method, string path, string expected)
    {
        await using var silo = await TestSilo.StartAsync(models.Service);

        var (status, body, _) = await SendAsync(silo, method, path);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Equal(expected, Api.AssertError(body).GetProperty("message").GetString());
        Assert.Equal("method_not_allowed", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Preflight_DefaultOptions_204AllowingAnyOriginWithoutAKey()
    {
        await using var silo = await TestSilo.StartAsync(models.Service, o => o.ApiKeys.Add("sk-k"));
        using var request = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions");
        request.Headers.Add("Origin", Page);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");

        using var response = await silo.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        Assert.Equal("authorization,content-type", Header(response, "Access-Control-Allow-Headers"));
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_FromAPage_AllowOriginOnAnswersAndErrors()
    {
        await using var silo = await TestSilo.StartAsync(models.Service);

        var (ok, _, okResponse) = await SendAsync(silo, "POST", "/v1/completions", """{"model":"demo","prompt":"hi","max_tokens":1}""", Page);
        var (missing, _, missingResponse) = await SendAsync(silo, "POST", "/v1/completions", """{"model":"nope","prompt":"hi"}""", Page);
        var (_, _, noOrigin) = await SendAsync(silo, "POST", "/v1/completions", """{"model":"demo","prompt":"hi","max_tokens":1}""");

        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal("*", Header(okResponse, "Access-Control-Allow-Origin"));
        Assert.Equal("X-DistInfer-Model", Header(okResponse, "Access-Control-Expose-Headers"));
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("*", Header(missingResponse, "Access-Control-Allow-Origin"));
        Assert.Null(Header(noOrigin, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Cors_ListedOrigins_OnlyThoseAnsweredWithVary()
    {
        await using var silo = await TestSilo.StartAsync(models.Service, o =>
        {
            o.CorsOrigins.Clear();
            o.CorsOrigins.Add(Page);
        });

        var (_, _, listed) = await SendAsync(silo, "GET", "/v1/models", origin: Page);
        var (_, _, other) = await SendAsync(silo, "GET", "/v1/models", origin: "http://evil.example");

        Assert.Equal(Page, Header(listed, "Access-Control-Allow-Origin"));
        Assert.Equal("Origin", Header(listed, "Vary"));
        Assert.Null(Header(other, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Cors_NoOrigins_NoHeadersAndPreflightNotAnswered()
    {
        await using var silo = await TestSilo.StartAsync(models.Service, o => o.CorsOrigins.Clear());
        using var request = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions");
        request.Headers.Add("Origin", Page);
        request.Headers.Add("Access-Control-Request-Method", "POST");

        using var response = await silo.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("page.example")]
    [InlineData("http://page.example/")]
    [InlineData("http://page.example/app")]
    [InlineData("ftp://page.example")]
    public void Validate_CorsOriginNotAnOrigin_ThrowsNamingIt(string origin)
    {
        var options = new HttpApiOptions();
        options.CorsOrigins.Add(origin);

        var e = Assert.Throws<DistInferException>(() => options.Validate([]));

        Assert.Contains($"'{origin}' is not an origin", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_Health_200AsGetWithoutTheBody()
    {
        await using var silo = await TestSilo.StartAsync(models.Service);
        using var request = new HttpRequestMessage(HttpMethod.Head, "/health");

        using var response = await silo.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(
        TestSilo silo, string method, string path, string? json = null, string? origin = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        var response = await silo.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default, response);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;
}
