using System.Net;
using System.Text;
using System.Text.Json;
using DistInfer.Engine;
using DistInfer.Grains;

namespace DistInfer.Silo.Tests.Cluster;

/// <summary>
/// The real distinfer-silo with a model whose tokenizer_config.json is broken: refused at deploy, and when it breaks
/// after the deploy, only chat is refused (every request for the model used to get a 500, the listing left it out).
/// </summary>
public sealed class TemplateFilesTests : IAsyncLifetime, IDisposable
{
    private const string ClusterId = "template-files";
    private readonly TempDirectory _temp = new();
    private HostedSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await HostedSilo.StartAsync("templates", ClusterId, redis: null);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task DistinferDeploy_CorruptTokenizerConfig_OneLineErrorNamingTheFileAndNothingDeployed()
    {
        var model = ModelCopy.Of(_temp, "corrupt", RepoPaths.DemoModel, ("tokenizer_config.json", """{"chat_template": "x", """));

        var result = await CliProcess.RunAsync("deploy", "--gateway", _silo.Gateway, "--cluster-id", ClusterId, "--model", model, "--name", "corrupt");

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        var error = Assert.Single(result.StderrLines, l => l.StartsWith("distinfer: ", StringComparison.Ordinal));
        Assert.Contains($"model path {model}: tokenizer_config.json is not valid JSON: ", error, StringComparison.Ordinal);
        Assert.Empty((await _silo.StatusAsync()).Stages);
    }

    [Fact]
    public async Task Requests_TokenizerConfigBrokenAfterDeploy_ChatRefusedNamingTheFileTheRestServes()
    {
        var model = ModelCopy.Of(_temp, "later", RepoPaths.DemoModel);
        await _silo.Front.DeployAsync("later", new DeploymentRequest { ModelPath = model });
        await File.WriteAllTextAsync(Path.Combine(model, "tokenizer_config.json"), """{"chat_template": "x", """);

        using var info = await _silo.Http.GetAsync(new Uri("/v1/models/later", UriKind.Relative));
        var list = await _silo.Http.GetStringAsync(new Uri("/v1/models", UriKind.Relative));
        using var completion = await PostAsync("/v1/completions", """{"model":"later","prompt":"hi","max_tokens":2}""");
        using var chat = await PostAsync("/v1/chat/completions", """{"model":"later","messages":[{"role":"user","content":"hi"}],"max_tokens":2}""");

        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        Assert.Contains("\"later\"", list, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, chat.StatusCode);
        using var error = JsonDocument.Parse(await chat.Content.ReadAsStringAsync());
        Assert.StartsWith("model 'later' cannot serve chat completions: tokenizer_config.json is not valid JSON: ",
            error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_ChatTemplateOfAnotherType_RefusedNamingTheField()
    {
        var model = ModelCopy.Of(_temp, "typed", RepoPaths.DemoModel, ("tokenizer_config.json", """{"chat_template": {"default": "x"}}"""));

        var error = await Assert.ThrowsAsync<DistInferException>(() => _silo.Front.DeployAsync("typed", new DeploymentRequest { ModelPath = model }));

        Assert.Equal($"model path {model}: tokenizer_config.json: chat_template must be a string or a list of named templates (it is an object)", error.Message);
    }

    private Task<HttpResponseMessage> PostAsync(string path, string json) =>
        _silo.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
}
