using System.Text.Json.Nodes;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Tests.Config;

public sealed class TiedEmbeddingTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Load_TiedLlamaWithoutLmHead_HeadUsesEmbedding()
    {
        var random = Path.Combine(_temp.Path, "random");
        RandomCheckpoint.Write(random, new ModelInitOptions
        {
            Architecture = "llama", Hidden = 32, Layers = 1, Heads = 4, KvHeads = 2, Ffn = 48, Vocab = 64,
            DType = DType.F32, Seed = 7, InitStd = 0.2,
        });
        var tensors = ReadAll(Path.Combine(random, "model.safetensors"));
        var embedding = tensors.Single(t => t.Name == "model.embed_tokens.weight");

        // Tied: no lm_head tensor at all. Untied twin: lm_head holds a copy of the embedding.
        var tied = WriteModel("tied", random, true, tensors.Where(t => t.Name != "lm_head.weight"));
        var twin = WriteModel("twin", random, false,
            tensors.Select(t => t.Name == "lm_head.weight" ? embedding with { Name = "lm_head.weight" } : t));

        var tiedModel = TransformerModel.Load(tied, ReferenceGemm.Instance);
        var twinModel = TransformerModel.Load(twin, ReferenceGemm.Instance);

        Assert.True(tiedModel.Config.TieWordEmbeddings);
        Assert.Same(tiedModel.Weights.Embedding, tiedModel.Weights.LmHead);
        int[] ids = [3, 17, 42, 5, 63];
        var expected = twinModel.Forward(new BatchLayout([twinModel.CreateCache()], [ids.Length]), ids, allPositions: true);
        var actual = tiedModel.Forward(new BatchLayout([tiedModel.CreateCache()], [ids.Length]), ids, allPositions: true);
        Assert.Equal(expected, actual);
    }

    private static List<TensorData> ReadAll(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return file.Names.Select(n => TensorData.FromFloat32(n, [.. file.GetInfo(n).Shape], file.ReadFloat32(n))).ToList();
    }

    private string WriteModel(string name, string configFrom, bool tie, IEnumerable<TensorData> tensors)
    {
        var dir = Path.Combine(_temp.Path, name);
        Directory.CreateDirectory(dir);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(configFrom, "config.json")))!.AsObject();
        config["tie_word_embeddings"] = tie;
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        SafeTensorsWriter.Write(Path.Combine(dir, "model.safetensors"), tensors.ToList());
        return dir;
    }
}
