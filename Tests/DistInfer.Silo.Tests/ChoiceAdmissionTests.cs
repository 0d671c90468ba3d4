using System.Net;
using System.Text.Json;
using DistInfer.Silo.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Silo.Tests;

/// <summary>A request's choices (prompts × n) are admitted to the batcher together, or refused together before any work.</summary>
[Collection(SiloCollection.Name)]
public sealed class ChoiceAdmissionTests(ModelFixture models) : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private long PromptTokens(string model) => _silo.Services.GetRequiredService<RequestMetrics>().For(model).PromptTokens;

    private static string Prompts(int count, string text) => JsonSerializer.Serialize(Enumerable.Repeat(text, count));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Completions_MoreChoicesThanTheBatcherEverHolds_400NamingTheLimitBeforeAnyWork(bool stream)
    {
        // 50 prompts × n 16 = 800 choices; the default batcher holds 64 running + 256 waiting.
        var before = PromptTokens("demo");
        var body = $$"""{"model":"demo","prompt":{{Prompts(50, "The license grants")}},"max_tokens":50,"n":16,"temperature":1,"stream":{{(stream ? "true" : "false")}}}""";

        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Api.AssertError(json);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("n", error.GetProperty("param").GetString());
        Assert.Contains("800", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("320", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, PromptTokens("demo"));
    }

    [Fact]
    public async Task Completions_ChoicesThatFitOnlyWhenIdle_429WithNoneAdmitted()
    {
        // "busy" holds 2 of its 4 sequences: 3 choices could fit an idle batcher but not now. Before, 2 of them were
        // admitted (and stayed queued) before the third was refused.
        var before = PromptTokens("busy");
        var three = """{"model":"busy","prompt":["The license","grants","you"],"max_tokens":2}""";

        foreach (var _ in new[] { 1, 2 })
        {
            var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", three);

            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            var error = Api.AssertError(json);
            Assert.Equal("over_capacity", error.GetProperty("code").GetString());
            Assert.Contains($"{ModelFixture.BusyHeld} sequences are running or waiting", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, PromptTokens("busy"));
    }

    [Fact]
    public async Task ChatCompletions_NBeyondFreeRoom_429BeforeAnyEvent()
    {
        var (status, json, response) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", """{"model":"busy","messages":[{"role":"user","content":"hi"}],"max_tokens":2,"n":3,"stream":true}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("over_capacity", Api.AssertError(json).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Completions_ChoicesBeyondTheQueueButWithinCapacity_AllAnswered()
    {
        // 300 choices: more than the 256 a queue holds, so one by one the later ones were refused (429) while the first
        // ran; together they fit 64 running + 256 waiting.
        var body = $$"""{"model":"demo","prompt":{{Prompts(20, "The license grants")}},"max_tokens":1,"n":15}""";

        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", body);

        Assert.True(status == HttpStatusCode.OK, json.ToString());
        var choices = json.GetProperty("choices");
        Assert.Equal(300, choices.GetArrayLength());
        Assert.All(choices.EnumerateArray(), c => Assert.Single(c.GetProperty("token_ids").EnumerateArray()));
    }
}
