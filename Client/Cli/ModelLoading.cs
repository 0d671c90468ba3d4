using DistInfer.Engine;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Cli;

/// <summary>Shared steps of the in-process commands: load a model, read input ids.</summary>
internal static class ModelLoading
{
    public static TransformerModel Load(string modelDir)
    {
        if (!Directory.Exists(modelDir))
        {
            throw new DistInferException($"model directory not found: {modelDir}");
        }

        return TransformerModel.Load(modelDir, Gemm.Default);
    }

    /// <summary>Reads input_ids [B, T] (I64 or I32) and the optional attention_mask [B, T] from a safetensors file.</summary>
    public static (int[][] Ids, bool[][]? Masked) ReadInputIds(string path)
    {
        using var input = SafeTensorsFile.Open(path);
        var info = input.GetInfo("input_ids");
        if (info.Shape.Count != 2 || info.Shape[0] <= 0 || info.Shape[1] <= 0)
        {
            throw new DistInferException($"{path}: input_ids must have shape [batch, tokens] (got [{string.Join(", ", info.Shape)}])");
        }

        int batch = (int)info.Shape[0], length = (int)info.Shape[1];
        var flat = input.ReadInt64("input_ids");
        var ids = new int[batch][];
        for (var b = 0; b < batch; b++)
        {
            ids[b] = new int[length];
            for (var t = 0; t < length; t++)
            {
                var v = flat[b * length + t];
                ids[b][t] = v is >= 0 and <= int.MaxValue ? (int)v : throw new DistInferException($"{path}: input_ids[{b}, {t}] = {v} is not a token id");
            }
        }

        bool[][]? masked = null;
        if (input.TryGetInfo("attention_mask", out var maskInfo))
        {
            if (!maskInfo.Shape.SequenceEqual(info.Shape))
            {
                throw new DistInferException($"{path}: attention_mask shape [{string.Join(", ", maskInfo.Shape)}] differs from input_ids");
            }

            var mask = input.ReadInt64("attention_mask");
            masked = new bool[batch][];
            for (var b = 0; b < batch; b++)
            {
                masked[b] = new bool[length];
                for (var t = 0; t < length; t++)
                {
                    masked[b][t] = mask[b * length + t] == 0;
                }
            }
        }

        return (ids, masked);
    }
}
