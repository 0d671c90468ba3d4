using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine;
using DistInfer.Grains;
using DistInfer.Grains.Deployments;

namespace DistInfer.Cluster.Tests.Deployments;

/// <summary>
/// Deployments that could never serve are refused before anything loads (found by exploratory testing: an empty name
/// deployed and held memory no HTTP request could reach; a broken tokenizer.json deployed and every request got 400;
/// a broken tokenizer_config.json deployed and every HTTP request for the model got 500).
/// </summary>
public sealed class DeployValidationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("", "the model name is empty")]
    [InlineData("   ", "the model name is empty")]
    [InlineData(" demo", "starts or ends with white space")]
    [InlineData("de\u0001mo", "control character or an unpaired surrogate (U+0001 at 2)")]
    public async Task Deploy_UnusableName_RefusedNamingWhyAndNothingLoads(string name, string expected)
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var front = cluster.GrainFactory.GetGrain<IFrontGrain>("v");

        var throughFront = await Assert.ThrowsAsync<DistInferException>(() => front.Deploy(name, new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") }));
        var throughRegistry = await Assert.ThrowsAsync<DistInferException>(() => cluster.GrainFactory.GetGrain<IModelRegistryGrain>(name)
            .Deploy(new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") }));

        Assert.Contains(expected, throughFront.Message, StringComparison.Ordinal);
        Assert.Contains(expected, throughRegistry.Message, StringComparison.Ordinal);
        var status = await front.Status();
        Assert.Empty(status.Stages);
        Assert.Empty(status.Experts);
    }

    [Fact]
    public void Validate_UnpairedSurrogate_ThrowsNamingIt()
    {
        // Not theory data: xunit's serialization of test cases would turn the lone surrogates into U+FFFD. So does a
        // grain call's string; a caller in the silo's own process passes them as they are.
        var high = Assert.Throws<DistInferException>(() => ModelNames.Validate("de\ud800mo"));
        var low = Assert.Throws<DistInferException>(() => ModelNames.Validate("demo\udc00"));

        Assert.Contains("U+D800 at 2", high.Message, StringComparison.Ordinal);
        Assert.Contains("U+DC00 at 4", low.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LongestNameAndOneMore_FirstPassesSecondRefused()
    {
        ModelNames.Validate(new string('m', ModelNames.MaxLength));

        var error = Assert.Throws<DistInferException>(() => ModelNames.Validate(new string('m', ModelNames.MaxLength + 1)));

        Assert.Contains($"257 characters long; at most {ModelNames.MaxLength}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_ModelPathIsAFile_RefusedNamingTheDirectoryToGive()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var front = cluster.GrainFactory.GetGrain<IFrontGrain>("v");
        var config = Path.Combine(RepoPaths.Fixture("olmoe"), "config.json");

        var error = await Assert.ThrowsAsync<DistInferException>(() => front.Deploy("m", new DeploymentRequest { ModelPath = config }));

        Assert.Contains("is a file, not a model directory", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.GetFullPath(RepoPaths.Fixture("olmoe")), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_NameWithSlashAndEmoji_Serves()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var front = cluster.GrainFactory.GetGrain<IFrontGrain>("v");

        var info = await front.Deploy("org/olmoe-\U0001F600", new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });
        var response = await front.Generate(new GenerateRequest { Model = info.Name, Prompts = [[1, 2, 3]], MaxNewTokens = 2, MinNewTokens = 2 });

        Assert.Equal(2, response.Generated[0].Length);
    }

    [Fact]
    public async Task Deploy_TokenizerJsonNotJson_RefusedNamingTheFileAndOtherModelServesOn()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var front = cluster.GrainFactory.GetGrain<IFrontGrain>("v");
        await front.Deploy("good", new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });
        var broken = CopyModel(RepoPaths.DemoModel, "broken-tokenizer");
        File.WriteAllText(Path.Combine(broken, "tokenizer.json"), "xx\n");

        var error = await Assert.ThrowsAsync<DistInferException>(() => front.Deploy("broken", new DeploymentRequest { ModelPath = broken }));

        Assert.StartsWith($"model path {broken}: tokenizer.json is not usable: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        var status = await front.Status();
        Assert.DoesNotContain(status.Stages, s => s.Model == "broken");
        var response = await front.Generate(new GenerateRequest { Model = "good", Prompts = [[1, 2, 3]], MaxNewTokens = 2, MinNewTokens = 2 });
        Assert.Equal(2, response.Generated[0].Length);
    }

    [Theory]
    [InlineData("""{"chat_template": "x", """, "tokenizer_config.json is not valid JSON: ")]
    [InlineData("""{"chat_template": [{"name": "default"}]}""", "tokenizer_config.json: chat_template[0] must be an object with a string \"name\" and a string \"template\"")]
    public async Task Deploy_TokenizerConfigUnreadable_RefusedNamingTheFileAndOtherModelServesOn(string config, string expected)
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var front = cluster.GrainFactory.GetGrain<IFrontGrain>("v");
        await front.Deploy("good", new DeploymentRequest { ModelPath = RepoPaths.Fixture("olmoe") });
        var broken = CopyModel(RepoPaths.DemoModel, "broken-config");
        File.WriteAllText(Path.Combine(broken, "tokenizer_config.json"), config);

        var error = await Assert.ThrowsAsync<DistInferException>(() => front.Deploy("broken", new DeploymentRequest { ModelPath = broken }));

        Assert.StartsWith($"model path {broken}: {expected}", error.Message, StringComparison.Ordinal);
        var status = await front.Status();
        Assert.DoesNotContain(status.Stages, s => s.Model == "broken");
        var response = await front.Generate(new GenerateRequest { Model = "good", Prompts = [[1, 2, 3]], MaxNewTokens = 2, MinNewTokens = 2 });
        Assert.Equal(2, response.Generated[0].Length);
    }

    [Fact]
    public async Task Deploy_NoTokenizerAndBrokenTokenizerConfig_DeploysForTokenIds()
    {
        // Without tokenizer.json no request is text, so the template file is never read: nothing to refuse.
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var front = cluster.GrainFactory.GetGrain<IFrontGrain>("v");
        var raw = CopyModel(RepoPaths.Fixture("olmoe"), "raw-broken-config");
        File.WriteAllText(Path.Combine(raw, "tokenizer_config.json"), """{"chat_template": """);

        await front.Deploy("raw", new DeploymentRequest { ModelPath = raw });

        var response = await front.Generate(new GenerateRequest { Model = "raw", Prompts = [[1, 2, 3]], MaxNewTokens = 2, MinNewTokens = 2 });
        Assert.Equal(2, response.Generated[0].Length);
    }

    [Fact]
    public async Task Deploy_TokenizerWithIdsBeyondTheVocabulary_RefusedNamingBothSizes()
    {
        await using var cluster = await FabricTestCluster.StartAsync(1);
        var front = cluster.GrainFactory.GetGrain<IFrontGrain>("v");
        // The demo model's tokenizer (4096 ids) beside a checkpoint whose embedding has 512 rows.
        var mixed = CopyModel(RepoPaths.Fixture("olmoe"), "mixed");
        File.Copy(Path.Combine(RepoPaths.DemoModel, "tokenizer.json"), Path.Combine(mixed, "tokenizer.json"));

        var error = await Assert.ThrowsAsync<DistInferException>(() => front.Deploy("mixed", new DeploymentRequest { ModelPath = mixed }));

        Assert.Contains("tokenizer.json has token ids up to 4095, but config.json's vocab_size is 512", error.Message, StringComparison.Ordinal);
    }

    private string CopyModel(string source, string name)
    {
        var target = _temp.Combine(name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        return target;
    }
}
