using System.Net;
using System.Text.Json;
using DistInfer.Silo.Http;
using DistInfer.Silo.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class RoutingTests(ModelFixture models) : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync() =>
        _silo = await TestSilo.StartAsync(models.Service, o =>
        {
            // Log-probabilities are <= 0: a threshold of +1 always escalates, one of -1e9 never does.
            o.Routes.Add(new DynamicRoute { Alias = "always-large", SmallModel = "small", LargeModel = "large", Tokens = 4, Threshold = 1 });
            o.Routes.Add(new DynamicRoute { Alias = "always-small", SmallModel = "small", LargeModel = "large", Tokens = 4, Threshold = -1e9 });
        });

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private RequestMetrics Metrics => _silo.Services.GetRequiredService<RequestMetrics>();

    [Theory]
    [InlineData("always-large", "large", GenerationRunner.OutcomeEscalated)]
    [InlineData("always-small", "small", GenerationRunner.OutcomeSmall)]
    public async Task Completions_RouteAlias_AnsweredByDecidedModelAndCounted(string alias, string model, string outcome)
    {
        var before = Metrics.RoutingCount(alias, outcome);
        var (_, direct, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"The license","max_tokens":10,"temperature":0}""");
        var (status, body, response) = await Api.PostAsync(_silo.Client, "/v1/completions", $$"""{"model":"{{alias}}","prompt":"The license","max_tokens":10,"temperature":0}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(model, response.Headers.GetValues("X-DistInfer-Model").Single());
        Assert.Equal(alias, body.GetProperty("model").GetString());

        // Both models have the demo weights: whichever answers, greedy text is the direct model's, with no
        // tokens lost or repeated across the decision.
        Assert.Equal(direct.GetProperty("choices")[0].GetProperty("text").GetString(), body.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(before + 1, Metrics.RoutingCount(alias, outcome));
        var scrape = await _silo.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains($"distinfer_routing_decisions_total{{alias=\"{alias}\",outcome=\"{outcome}\"}}", scrape, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("always-large", "large")]
    [InlineData("always-small", "small")]
    public async Task ChatCompletions_StreamThroughRoute_SameTextAsDirect(string alias, string model)
    {
        const string Messages = "\"messages\":[{\"role\":\"user\",\"content\":\"What is a license?\"}],\"max_tokens\":10,\"temperature\":0";
        var (_, direct, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", "{\"model\":\"demo\"," + Messages + "}");
        var (status, events, _) = await Api.StreamAsync(_silo.Client, "/v1/chat/completions", "{\"model\":\"" + alias + "\"," + Messages + ",\"stream\":true}");

        Assert.Equal(HttpStatusCode.OK, status);
        var content = string.Concat(events[..^1]
            .Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("content", out var c) ? c.GetString() : ""));
        Assert.Equal(direct.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), content);
        Assert.True(Metrics.RoutingCount(alias, model == "large" ? GenerationRunner.OutcomeEscalated : GenerationRunner.OutcomeSmall) >= 1);
    }

    [Fact]
    public async Task Models_List_IncludesRouteAliases()
    {
        var json = JsonDocument.Parse(await _silo.Client.GetStringAsync(new Uri("/v1/models", UriKind.Relative))).RootElement;

        var ids = json.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains("always-large", ids);
        Assert.Contains("always-small", ids);
    }
}
