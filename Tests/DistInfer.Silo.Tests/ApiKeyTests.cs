using System.Net;
using DistInfer.Engine;
using DistInfer.Silo.Http;

namespace DistInfer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class ApiKeyTests(ModelFixture models)
{
    private const string Request = """{"model":"demo","prompt":"hi","max_tokens":2,"temperature":0}""";

    [Fact]
    public async Task Completions_KeysConfigured_401WithoutOrWithWrongKey200WithRightOne()
    {
        await using var silo = await TestSilo.StartAsync(models.Service, o =>
        {
            o.ApiKeys.Add("sk-first");
            o.ApiKeys.Add("sk-second");
        });

        var (missing, missingBody, _) = await Api.PostAsync(silo.Client, "/v1/completions", Request);
        var (wrong, wrongBody, _) = await Api.PostAsync(silo.Client, "/v1/completions", Request, "sk-wrong");
        var (right, _, _) = await Api.PostAsync(silo.Client, "/v1/completions", Request, "sk-second");
        var models401 = await silo.Client.GetAsync(new Uri("/v1/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, missing);
        Assert.Equal("invalid_api_key", Api.AssertError(missingBody).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong);
        Assert.Equal("invalid_api_key", Api.AssertError(wrongBody).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, right);
        Assert.Equal(HttpStatusCode.Unauthorized, models401.StatusCode);
    }

    [Fact]
    public async Task Health_KeysConfigured_200WithoutAKey()
    {
        await using var silo = await TestSilo.StartAsync(models.Service, o => o.ApiKeys.Add("sk-first"));

        using var health = await silo.Client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok\n", await health.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:8080")]
    [InlineData("http://10.1.2.3:8080")]
    [InlineData("http://127.0.0.1:0;http://[::]:9000")]
    public async Task MapDistInferHttp_BeyondLoopbackWithoutKeys_RefusesToStart(string url)
    {
        var e = Assert.Throws<DistInferException>(() => TestSilo.Build(models.Service, url: url));

        Assert.Contains("ApiKeys", e.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task MapDistInferHttp_BeyondLoopbackWithKeys_Starts()
    {
        await using var app = TestSilo.Build(models.Service, o => o.ApiKeys.Add("sk-1"), url: "http://0.0.0.0:0");

        Assert.NotNull(app);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", false)]
    [InlineData("http://localhost:5000", false)]
    [InlineData("http://[::1]:5000", false)]
    [InlineData("http://0.0.0.0:5000", true)]
    [InlineData("http://+:5000", true)]
    [InlineData("https://silo1.example:443", true)]
    public void AnyBeyondLoopback_Url_Classified(string url, bool expected)
    {
        Assert.Equal(expected, HttpApiOptions.AnyBeyondLoopback([url]));
    }
}
