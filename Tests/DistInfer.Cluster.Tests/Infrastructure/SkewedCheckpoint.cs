using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Model;
using DistInfer.Engine.Tensors;

namespace DistInfer.Cluster.Tests.Infrastructure;

/// <summary>
/// A small random qwen3_moe checkpoint whose routing is a function of the token id: token t's embedding gets +3 on
/// coordinate 1 + (t mod E) and +1.5 on coordinate 1 + ((t + 1) mod E), and router row e is the unit vector on
/// coordinate 1 + e (every layer), so token t goes to experts t mod E and (t + 1) mod E. A test skews the load
/// by choosing how many tokens of each residue its prompts hold.
/// </summary>
internal sealed class SkewedCheckpoint : IDisposable
{
    private SkewedCheckpoint(string path, ModelConfig config)
    {
        Path = path;
        Config = config;
    }

    public string Path { get; }

    public ModelConfig Config { get; }

    public static SkewedCheckpoint Write(int experts = 8, int topK = 2, ulong seed = 11)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "distinfer-skew-" + Guid.NewGuid().ToString("N"));
        RandomCheckpoint.Write(path, new ModelInitOptions
        {
            Architecture = "qwen3_moe",
            Hidden = 64,
            Layers = 2,
            Heads = 4,
            KvHeads = 2,
            Experts = experts,
            TopK = topK,
            Ffn = 32,
            Vocab = 128,
            DType = DType.F32,
            Seed = seed,
            InitStd = 0.05,
        });
        var config = ModelConfigReader.Load(path);
        var names = new TensorNames(config);
        var h = config.HiddenSize;
        var file = System.IO.Path.Combine(path, Checkpoint.SingleFileName);
        Patch(file, names.Embedding, values =>
        {
            for (var t = 0; t < config.VocabSize; t++)
            {
                values[(t * h) + 1 + (t % experts)] += 3f;
                values[(t * h) + 1 + ((t + 1) % experts)] += 1.5f;
            }
        });
        for (var l = 0; l < config.NumLayers; l++)
        {
            Patch(file, names.Router(l), values =>
            {
                Array.Clear(values);
                for (var e = 0; e < experts; e++)
                {
                    values[(e * h) + 1 + e] = 1f;
                }
            });
        }

        return new SkewedCheckpoint(path, config);
    }

    /// <summary>Token ids with <paramref name="perResidue"/>[r] tokens of residue r (mod experts), shuffled by <paramref name="random"/>.</summary>
    public int[] Tokens(int[] perResidue, Random random)
    {
        var tokens = new List<int>();
        var experts = Config.NumExperts;
        for (var r = 0; r < perResidue.Length; r++)
        {
            for (var i = 0; i < perResidue[r]; i++)
            {
                tokens.Add(r + (experts * random.Next(Config.VocabSize / experts)));
            }
        }

        var array = tokens.ToArray();
        random.Shuffle(array);
        return array;
    }

    private static void Patch(string file, string tensor, Action<float[]> change)
    {
        float[] values;
        long offset;
        using (var source = SafeTensorsFile.Open(file))
        {
            values = source.ReadFloat32(tensor);
            offset = source.DataSectionOffset + source.GetInfo(tensor).DataOffset;
        }

        change(values);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        stream.Write(bytes);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A silo may still have the file mapped; the temp folder is cleaned later.
        }
    }
}
