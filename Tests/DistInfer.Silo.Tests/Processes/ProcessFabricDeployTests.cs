using System.Text.Json;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Silo.Tests.Processes;

/// <summary>Each Hugging Face fixture deployed with `distinfer deploy --stages 2` on Redis and three silo processes.</summary>
[Collection(SiloProcessesCollection.Name)]
public sealed class ProcessFabricDeployTests(ProcessFabricCluster cluster) : IClassFixture<ProcessFabricCluster>
{
    public static TheoryData<string> Fixtures() => new() { "llama", "mixtral", "qwen2_moe", "qwen3_moe", "olmoe" };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Deploy_FixtureWithTwoStagesOnThreeSiloProcesses_GreedyIdsEqualEngineAndExpertsSpread(string fixture)
    {
        var name = fixture + "-2s";
        var temp = Directory.CreateTempSubdirectory("distinfer-fabric-");
        try
        {
            using var reference = SafeTensorsFile.Open(Path.Combine(RepoPaths.Fixture(fixture), "reference.safetensors"));
            var inputShape = reference.GetInfo("input_ids").Shape;
            int batch = (int)inputShape[0], length = (int)inputShape[1], total = (int)reference.GetInfo("greedy_ids").Shape[1];
            var input = Path.Combine(temp.FullName, "in.safetensors");
            var output = Path.Combine(temp.FullName, "out.safetensors");
            SafeTensorsWriter.Write(input, [TensorData.FromInt64("input_ids", [.. inputShape], reference.ReadInt64("input_ids"))]);

            await cluster.CliAsync(cluster.Silos[0], "deploy", "--model", RepoPaths.Fixture(fixture), "--name", name, "--stages", "2");
            await cluster.CliAsync(cluster.Silos[1], "generate", "--model", name, "--input", input, "--output", output,
                "--max-new-tokens", Invariant(total - length), "--min-new-tokens", Invariant(total - length));
            // A silo's status lists the models its front serves: ask the one that deployed.
            var status = await cluster.StatusJsonAsync(cluster.Silos[0]);

            // The gateway does not mask padding (the CLI refuses --pad-token-id with --gateway), so the engine runs the
            // same unmasked prompts; the first prompt has no padding and must also give the reference's greedy ids
            // (transformers).
            var ids = reference.ReadInt64("input_ids");
            var prompts = Enumerable.Range(0, batch).Select(b => ids.Skip(b * length).Take(length).Select(x => (int)x).ToArray()).ToArray();
            var expected = new Generator(TransformerModel.Load(RepoPaths.Fixture(fixture), Gemm.Default))
                .Generate(prompts, new SamplingParams { MaxNewTokens = total - length, MinNewTokens = total - length });
            using var written = SafeTensorsFile.Open(output);
            var got = written.ReadInt64("output_ids");
            for (var b = 0; b < batch; b++)
            {
                Assert.Equal(expected[b].AllIds.Select(x => (long)x), got.Skip(b * total).Take(total));
            }

            Assert.Equal(reference.ReadInt64("greedy_ids").Take(total), got.Take(total));
            Assert.Equal(2, Rows(status, "stages", name).Count());
            var experts = Rows(status, "experts", name).ToList();
            foreach (var layer in experts.GroupBy(e => e.GetProperty("layer").GetInt32()))
            {
                var silos = layer.Select(e => e.GetProperty("silo").GetString()).Distinct().Count();
                Assert.True(silos >= 2, $"{name} layer {layer.Key}: its {layer.Count()} expert replicas are on {silos} silo(s)");
            }

            Assert.Equal(fixture != "llama", experts.Count > 0);
            var deployment = Rows(status, "deployments", name).Single();

            // Each silo's own resident memory crosses the Redis membership table; the other two columns are the host's.
            Assert.All(status.GetProperty("silos").EnumerateArray(), s =>
                Assert.InRange(s.GetProperty("process_memory_bytes").GetInt64(), 1, s.GetProperty("memory_total_bytes").GetInt64()));
            Assert.All(deployment.GetProperty("activations").EnumerateArray(), a => Assert.Equal("Loaded", a.GetProperty("phase").GetString()));
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    internal static IEnumerable<JsonElement> Rows(JsonElement status, string table, string model) =>
        status.GetProperty(table).EnumerateArray().Where(r => r.GetProperty("model").GetString() == model);

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
