using System.Net;
using System.Text;
using System.Text.Json;

namespace DistInfer.Silo.Tests;

/// <summary>What a request body may be labelled and prefixed with before it is read as JSON.</summary>
[Collection(SiloCollection.Name)]
public sealed class BodyEncodingTests(ModelFixture models) : IAsyncLifetime
{
    private const string Body = """{"model":"demo","prompt":"The license","max_tokens":2,"temperature":0}""";
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task Completions_NonJsonContentType_415NamingTheType(string contentType)
    {
        var (status, error) = await PostAsync(Encoding.UTF8.GetBytes(Body), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal("unsupported_media_type", error.GetProperty("code").GetString());
        Assert.Contains($"not '{contentType}'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("Application/JSON; charset=utf-8")]
    [InlineData("application/vnd.api+json")]
    [InlineData(null)]
    public async Task Completions_JsonOrNoContentType_Served(string? contentType)
    {
        var (status, body) = await PostAsync(Encoding.UTF8.GetBytes(Body), contentType);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_BodyWithUtf8ByteOrderMark_ServedAsWithout()
    {
        var (_, plain) = await PostAsync(Encoding.UTF8.GetBytes(Body), "application/json");
        var (status, withBom) = await PostAsync([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Body)], "application/json");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            plain.GetProperty("choices")[0].GetProperty("text").GetString(),
            withBom.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(byte[] body, string? contentType)
    {
        using var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await _silo.Client.PostAsync(new Uri("/v1/completions", UriKind.Relative), content);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, response.StatusCode == HttpStatusCode.OK ? json : Api.AssertError(json));
    }
}
