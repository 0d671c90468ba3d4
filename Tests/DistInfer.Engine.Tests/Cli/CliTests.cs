using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Tests.Model;

namespace DistInfer.Engine.Tests.Cli;

public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public async Task Forward_Fixture_WritesLogitsAndRouterLogitsEqualToReference(string name)
    {
        using var reference = FixtureModels.Reference(name);
        var input = _temp.File("in.safetensors");
        var output = _temp.File("out.safetensors");
        SafeTensorsWriter.Write(input, [TensorData.FromInt64("input_ids", [.. reference.GetInfo("input_ids").Shape], reference.ReadInt64("input_ids"))]);

        var result = await CliProcess.RunAsync("forward", "--model", RepoPaths.Fixture(name), "--input", input, "--output", output);

        result.AssertSuccess();
        using var written = SafeTensorsFile.Open(output);
        var expectedNames = reference.Names.Where(n => n == "logits" || n.StartsWith("router_logits.", StringComparison.Ordinal));
        Assert.Equal(expectedNames.Order(StringComparer.Ordinal), written.Names.Order(StringComparer.Ordinal));
        foreach (var tensor in expectedNames)
        {
            Assert.Equal(reference.GetInfo(tensor).Shape, written.GetInfo(tensor).Shape);
            var error = FixtureModels.RelativeError(written.ReadFloat32(tensor), reference.ReadFloat32(tensor));
            Assert.True(error < 1e-4, $"{name}: {tensor} relative error {error:E2}");
        }
    }

    [Fact]
    public async Task Forward_Int32InputIds_SameLogitsAsReference()
    {
        using var reference = FixtureModels.Reference("qwen2_moe");
        var ids = reference.ReadInt64("input_ids").Select(x => (int)x).ToArray();
        var input = _temp.File("in.safetensors");
        var output = _temp.File("out.safetensors");
        SafeTensorsWriter.Write(input, [TensorData.FromInt32("input_ids", [.. reference.GetInfo("input_ids").Shape], ids)]);

        var result = await CliProcess.RunAsync("forward", "--model", RepoPaths.Fixture("qwen2_moe"), "--input", input, "--output", output);

        result.AssertSuccess();
        using var written = SafeTensorsFile.Open(output);
        Assert.True(FixtureModels.RelativeError(written.ReadFloat32("logits"), reference.ReadFloat32("logits")) < 1e-4);
    }

    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public async Task Generate_FixtureInputFile_OutputIdsEqualGreedyReference(string name)
    {
        using var reference = FixtureModels.Reference(name);
        var input = _temp.File("in.safetensors");
        var output = _temp.File("out.safetensors");
        SafeTensorsWriter.Write(input, [TensorData.FromInt64("input_ids", [.. reference.GetInfo("input_ids").Shape], reference.ReadInt64("input_ids"))]);

        var result = await CliProcess.RunAsync("generate", "--model", RepoPaths.Fixture(name), "--input", input, "--output", output,
            "--max-new-tokens", "12", "--min-new-tokens", "12");

        result.AssertSuccess();
        using var written = SafeTensorsFile.Open(output);
        Assert.Equal(reference.GetInfo("greedy_ids").Shape, written.GetInfo("output_ids").Shape);
        Assert.Equal(reference.ReadInt64("greedy_ids"), written.ReadInt64("output_ids"));
    }

    [Fact]
    public async Task Generate_PromptOnDemoModel_PrintsTextAndExitsZero()
    {
        var result = await CliProcess.RunAsync("generate", "--model", RepoPaths.DemoModel, "--prompt", "Once upon a time", "--max-new-tokens", "8");

        result.AssertSuccess();
        Assert.False(string.IsNullOrWhiteSpace(result.Stdout), result.ToString());
        Assert.Contains("tokens, prompt", result.Stderr);
    }

    [Fact]
    public async Task GenerateHelp_Description_NamesTheGatewayBesideTheInProcessEngine()
    {
        var result = await CliProcess.RunAsync("generate", "--help");

        result.AssertSuccess();
        Assert.Contains("in-process engine (--model DIR) or through a cluster (--gateway HOST:PORT, --model NAME)", result.Stdout);
    }

    [Fact]
    public async Task Generate_SampledWithSeed_IsRepeatable()
    {
        string[] args = ["generate", "--model", RepoPaths.DemoModel, "--prompt", "The cat", "--max-new-tokens", "6", "--min-new-tokens", "6",
            "--temperature", "1.2", "--top-k", "40", "--top-p", "0.9", "--seed", "11"];

        var a = await CliProcess.RunAsync(args);
        var b = await CliProcess.RunAsync(args);

        a.AssertSuccess();
        Assert.Equal(a.Stdout, b.Stdout);
    }

    [Theory]
    [InlineData("qwen3_moe", "f32")]
    [InlineData("mixtral", "bf16")]
    [InlineData("llama", "f32")]
    public async Task ModelInit_SmallArch_WritesCheckpointThatForwardRuns(string arch, string dtype)
    {
        var dir = Path.Combine(_temp.Path, "model");
        var init = await CliProcess.RunAsync("model", "init", "--arch", arch, "--hidden", "32", "--layers", "2", "--heads", "4",
            "--kv-heads", "2", "--experts", "4", "--top-k", "2", "--ffn", "16", "--vocab", "64", "--dtype", dtype, "--seed", "3", "--out", dir);
        init.AssertSuccess();
        Assert.Contains("M parameters", init.Stdout);

        int[] ids = [1, 5, 9, 63, 0, 17];
        var input = _temp.File("in.safetensors");
        var output = _temp.File("out.safetensors");
        SafeTensorsWriter.Write(input, [TensorData.FromInt64("input_ids", [2, 3], ids.Select(x => (long)x).ToArray())]);
        var forward = await CliProcess.RunAsync("forward", "--model", dir, "--input", input, "--output", output);

        forward.AssertSuccess();
        var model = TransformerModel.Load(dir, ReferenceGemm.Instance);
        var expected = model.Forward(new BatchLayout([model.CreateCache(), model.CreateCache()], [3, 3]), ids, allPositions: true);
        using var written = SafeTensorsFile.Open(output);
        Assert.Equal([2L, 3, 64], written.GetInfo("logits").Shape);
        Assert.True(FixtureModels.RelativeError(written.ReadFloat32("logits"), expected) < 1e-4);
        var moeLayers = arch == "llama" ? 0 : 2;
        Assert.Equal(moeLayers, written.Names.Count(n => n.StartsWith("router_logits.", StringComparison.Ordinal)));
        for (var i = 0; i < moeLayers; i++)
        {
            Assert.Equal([6L, 4], written.GetInfo($"router_logits.{i}").Shape);
        }
    }
}
