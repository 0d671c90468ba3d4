using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Tests.Model;

/// <summary>The five Hugging Face fixtures, loaded once per test run, and their reference outputs.</summary>
internal static class FixtureModels
{
    public static readonly string[] Names = ["llama", "mixtral", "qwen2_moe", "qwen3_moe", "olmoe"];

    private static readonly Dictionary<string, TransformerModel> Models = [];

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var n in Names)
        {
            data.Add(n);
        }

        return data;
    }

    public static TransformerModel Load(string name, IGemm? gemm = null)
    {
        if (gemm is not null)
        {
            return TransformerModel.Load(RepoPaths.Fixture(name), gemm);
        }

        lock (Models)
        {
            if (!Models.TryGetValue(name, out var model))
            {
                model = TransformerModel.Load(RepoPaths.Fixture(name), ReferenceGemm.Instance);
                Models[name] = model;
            }

            return model;
        }
    }

    public static SafeTensorsFile Reference(string name) =>
        SafeTensorsFile.Open(Path.Combine(RepoPaths.Fixture(name), "reference.safetensors"));

    /// <summary>max |a - b| / max |b|, the tolerance measure.</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0, maxRef = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - expected[i]));
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
        }

        return maxDiff / maxRef;
    }
}
