using System.Net;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Silo.Tests.Cluster;

/// <summary>`distinfer deploy` (the real program) against a real silo it reaches through the gateway.</summary>
public sealed class DeployCommandTests : IAsyncLifetime
{
    private const string ClusterId = "deploy-test";
    private HostedSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await HostedSilo.StartAsync("deploy", ClusterId, redis: null);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Deploy_SameNameOtherCheckpoint_OneLineErrorExitOneAndFirstKeepsServing()
    {
        var olmoe = RepoPaths.Fixture("olmoe");
        var first = await DeployAsync(RepoPaths.DemoModel);
        first.AssertSuccess();

        var second = await DeployAsync(olmoe);

        // "deploying shipdemo ..." comes first; the refusal is the one error line, with no progress of the first model.
        Assert.Equal(1, second.ExitCode);
        Assert.DoesNotContain("   at ", second.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("weights:", second.Stderr, StringComparison.Ordinal);
        Assert.Empty(second.Stdout);
        var error = Assert.Single(second.StderrLines, l => l.StartsWith("distinfer: ", StringComparison.Ordinal));
        Assert.Contains($"model shipdemo is already deployed from {RepoPaths.DemoModel}, and {olmoe} is another checkpoint", error, StringComparison.Ordinal);
        Assert.Contains("under another name", error, StringComparison.Ordinal);

        int[] prompt = [1, 2, 3, 4];
        var parameters = new SamplingParams { MaxNewTokens = 4, MinNewTokens = 4 };
        var expected = new Generator(TransformerModel.Load(RepoPaths.DemoModel, Gemm.Default)).Generate([prompt], parameters);
        var tokens = new List<int>();
        await foreach (var e in _silo.Front.GenerateAsync("shipdemo", prompt, parameters))
        {
            tokens.Add(e.TokenId);
        }

        Assert.Equal(expected[0].GeneratedIds, tokens);
    }

    [Fact]
    public async Task Undeploy_DeployedThenAgain_FreesTheNameThenOneLineErrorExitOne()
    {
        var olmoe = RepoPaths.Fixture("olmoe");
        (await DeployAsync(RepoPaths.DemoModel)).AssertSuccess();
        using var completion = Completion();
        Assert.Equal(HttpStatusCode.OK, (await _silo.Http.SendAsync(completion)).StatusCode);
        Assert.Contains("\"shipdemo\"", await _silo.Http.GetStringAsync("/v1/models"), StringComparison.Ordinal);

        var undeployed = await UndeployAsync();
        var again = await UndeployAsync();

        undeployed.AssertSuccess();
        Assert.StartsWith("undeployed shipdemo: 1 stage(s) and ", undeployed.Stdout, StringComparison.Ordinal);
        Assert.Contains("0 running request(s) ended after the drain", undeployed.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, again.ExitCode);
        var error = Assert.Single(again.StderrLines);
        Assert.Equal("distinfer: model 'shipdemo' is not deployed", error);

        // The HTTP API forgets it too: it had learnt the tokenizer and kept listing and accepting the model (400s).
        Assert.DoesNotContain("\"shipdemo\"", await _silo.Http.GetStringAsync("/v1/models"), StringComparison.Ordinal);
        using var afterwards = Completion();
        Assert.Equal(HttpStatusCode.NotFound, (await _silo.Http.SendAsync(afterwards)).StatusCode);

        // The freed name takes another checkpoint, which serves its own tokens.
        (await DeployAsync(olmoe)).AssertSuccess();
        int[] prompt = [1, 2, 3, 4];
        var parameters = new SamplingParams { MaxNewTokens = 4, MinNewTokens = 4 };
        var expected = new Generator(TransformerModel.Load(olmoe, Gemm.Default)).Generate([prompt], parameters);
        var tokens = new List<int>();
        await foreach (var e in _silo.Front.GenerateAsync("shipdemo", prompt, parameters))
        {
            tokens.Add(e.TokenId);
        }

        Assert.Equal(expected[0].GeneratedIds, tokens);
    }

    [Fact]
    public async Task Deploy_EmptyName_OneLineErrorExitOneAndNothingDeployed()
    {
        var result = await CliProcess.RunAsync("deploy", "--gateway", _silo.Gateway, "--cluster-id", ClusterId, "--model", RepoPaths.Fixture("olmoe"), "--name", "");

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        var error = Assert.Single(result.StderrLines, l => l.StartsWith("distinfer: ", StringComparison.Ordinal));
        Assert.Contains("the model name is empty; give one (distinfer deploy --name", error, StringComparison.Ordinal);
        Assert.Empty((await _silo.StatusAsync()).Stages);
    }

    private static HttpRequestMessage Completion() => new(HttpMethod.Post, "/v1/completions")
    {
        Content = new StringContent("{\"model\":\"shipdemo\",\"prompt\":\"import torch\",\"max_tokens\":2}", System.Text.Encoding.UTF8, "application/json"),
    };

    private Task<CliResult> UndeployAsync() =>
        CliProcess.RunAsync("undeploy", "--gateway", _silo.Gateway, "--cluster-id", ClusterId, "--name", "shipdemo", "--drain-seconds", "5");

    private Task<CliResult> DeployAsync(string model) =>
        CliProcess.RunAsync("deploy", "--gateway", _silo.Gateway, "--cluster-id", ClusterId, "--model", model, "--name", "shipdemo");
}
