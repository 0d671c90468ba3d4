using System.Net;
using System.Text.Json;
using DistInfer.Engine.Serving;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Tests;

/// <summary>GET /v1/models/{id} for model names with slashes (as Hugging Face names are: org/model), and generation for names a header cannot hold as they are.</summary>
[Collection(SiloCollection.Name)]
public sealed class ModelIdTests(ModelFixture models)
{
    private const string Name = "org/demo-1";

    [Theory]
    [InlineData("/v1/models/org/demo-1")]
    [InlineData("/v1/models/org%2Fdemo-1")]
    public async Task GetModel_NameWithSlash_200WithTheModel(string path)
    {
        await using var silo = await TestSilo.StartAsync(new RenamedService(models.Service, Name));

        var response = await silo.Client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(Name, JsonDocument.Parse(text).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task GetModel_UnknownNameWithSlash_404ModelNotFound()
    {
        await using var silo = await TestSilo.StartAsync(new RenamedService(models.Service, Name));

        var response = await silo.Client.GetAsync(new Uri("/v1/models/org/other", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = Api.AssertError(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Contains("org/other", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Deploy accepts any name without edge white space; X-DistInfer-Model must still be a valid (ASCII) header.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Completions_NonAsciiModelName_200WithPercentEncodedHeader(bool stream)
    {
        const string Unicode = "modèle/日本";
        await using var silo = await TestSilo.StartAsync(new RenamedService(models.Service, Unicode));
        var json = $$"""{"model":"{{Unicode}}","prompt":"The license","max_tokens":3,"stream":{{(stream ? "true" : "false")}}}""";

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/completions", UriKind.Relative)) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        using var response = await silo.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.DoesNotContain("\"error\"", text, StringComparison.Ordinal);
        Assert.Equal(Uri.EscapeDataString(Unicode), response.Headers.GetValues("X-DistInfer-Model").Single());
    }

    /// <summary>The demo model served under another name, generating through the fixture's service.</summary>
    private sealed class RenamedService(LocalInferenceService inner, string name) : IInferenceService
    {
        public IReadOnlyList<ServedModel> Models { get; } = [inner.Find("demo")! with { Name = name }];

        public (int Running, int Waiting) Load => inner.Load;

        public ServedModel? Find(string name) => Models.FirstOrDefault(m => m.Name == name);

        public ValueTask<IReadOnlyList<IAsyncEnumerable<TokenEvent>>> StartAsync(string model, IReadOnlyList<SequenceRequest> sequences, CancellationToken cancellationToken) =>
            inner.StartAsync("demo", sequences, cancellationToken);
    }
}
