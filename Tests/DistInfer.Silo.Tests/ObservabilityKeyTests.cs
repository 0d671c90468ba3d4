using System.Net;
using System.Net.Http.Headers;

namespace DistInfer.Silo.Tests;

/// <summary>/metrics, /api/cluster and /dashboard: behind the keys beyond loopback, open on loopback alone.</summary>
[Collection(SiloCollection.Name)]
public sealed class ObservabilityKeyTests(ModelFixture models)
{
    private static readonly string[] Paths = ["/metrics", "/api/cluster", "/dashboard", "/dashboard/dashboard.js"];

    /// <summary>A silo with a key that also claims a wildcard URL (it listens on loopback so the test can reach it).</summary>
    private Task<TestSilo> StartBeyondLoopbackAsync() => TestSilo.StartAsync(models.Service, o =>
    {
        o.ApiKeys.Add("sk-ops");
        o.Urls.Add("http://0.0.0.0:8080");
    });

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Observability_BeyondLoopbackWithKeys_401WithoutOrWithWrongKey200WithBearer()
    {
        await using var silo = await StartBeyondLoopbackAsync();

        foreach (var path in Paths)
        {
            using var missing = await GetAsync(silo.Client, path);
            using var wrong = await GetAsync(silo.Client, path, "sk-wrong");
            using var right = await GetAsync(silo.Client, path, "sk-ops");

            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
            Assert.Contains("/dashboard?key=", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("invalid_api_key", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        }

        using var scrape = await GetAsync(silo.Client, "/metrics", "sk-ops");
        Assert.Contains("distinfer_requests_running", await scrape.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_KeyInQuery_SetsHttpOnlyCookieRedirectsAndTheCookieOpensPageAndApi()
    {
        await using var silo = await StartBeyondLoopbackAsync();
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = silo.BaseAddress };

        using var bad = await browser.GetAsync(new Uri("/dashboard?key=sk-wrong", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Empty(handler.CookieContainer.GetCookies(silo.BaseAddress));

        using var login = await browser.GetAsync(new Uri("/dashboard?key=sk-ops", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/dashboard", login.Headers.Location?.OriginalString);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        foreach (var path in Paths)
        {
            using var response = await browser.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Observability_LoopbackOnlyWithKeys_OpenWithoutKeyWhileTheApiStillNeedsOne()
    {
        await using var silo = await TestSilo.StartAsync(models.Service, o => o.ApiKeys.Add("sk-ops"));

        foreach (var path in Paths)
        {
            using var response = await GetAsync(silo.Client, path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var api = await GetAsync(silo.Client, "/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }
}
