using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Tensors;
using System.Runtime.InteropServices;

namespace DistInfer.Engine.Model;

/// <summary>
/// Loads a model part's weights from a checkpoint, checking every tensor's shape against the config. Linear
/// weights and the embedding stay bf16 when the checkpoint stores them so (see <see cref="WeightStorage"/>);
/// everything else is fp32. Each tensor goes straight from the memory map into its final buffer (fused q/k/v
/// and gate/up included), so nothing is copied twice.
/// </summary>
public static class WeightLoader
{
    /// <summary>Environment variable read when no storage is given: "fp32" widens everything to fp32.</summary>
    public const string StorageVariable = "DISTINFER_WEIGHTS";

    /// <summary>
    /// <paramref name="requested"/>, or when null what <see cref="StorageVariable"/> asks for; unset, bf16 stays bf16
    /// when <paramref name="gemm"/> (default <see cref="Gemm.Default"/>) is the managed kernels, which read it
    /// directly, and is widened to fp32 for any other kernels, which take fp32 only.
    /// </summary>
    public static WeightStorage ResolveStorage(WeightStorage? requested, IGemm? gemm = null)
    {
        if (requested is { } given)
        {
            return given;
        }

        var value = Environment.GetEnvironmentVariable(StorageVariable)?.Trim();
        return value?.ToLowerInvariant() switch
        {
            null or "" => (gemm ?? Gemm.Default) is ManagedGemm ? WeightStorage.Checkpoint : WeightStorage.Float32,
            "bf16" or "checkpoint" => WeightStorage.Checkpoint,
            "fp32" or "f32" => WeightStorage.Float32,
            _ => throw new DistInferException($"{StorageVariable}='{value}' is not a weight storage; use 'bf16' (the checkpoint's, default) or 'fp32'"),
        };
    }

    /// <param name="storage">How to hold the weights; null reads <see cref="StorageVariable"/>.</param>
    public static ModelWeights Load(ITensorSource source, ModelConfig config, ModelPart? part = null, WeightStorage? storage = null)
    {
        var keep16 = ResolveStorage(storage) == WeightStorage.Checkpoint;
        part ??= ModelPart.Whole(config.NumLayers);
        if (part.FirstLayer < 0 || part.EndLayer > config.NumLayers || part.FirstLayer > part.EndLayer)
        {
            throw new ArgumentOutOfRangeException(nameof(part), $"layers [{part.FirstLayer}, {part.EndLayer}) outside 0..{config.NumLayers}");
        }

        var names = new TensorNames(config);
        var h = config.HiddenSize;
        var embedding = part.Embedding || (part.Head && config.TieWordEmbeddings)
            ? Linear(source, [names.Embedding], [config.VocabSize], h, keep16)
            : null;
        var layers = new LayerWeights?[config.NumLayers];
        Parallel.For(part.FirstLayer, part.EndLayer, i => layers[i] = LoadLayer(source, config, names, part, i, keep16));

        float[]? finalNorm = null;
        LinearWeight? lmHead = null;
        if (part.Head)
        {
            finalNorm = Read(source, names.FinalNorm, [h]);
            lmHead = config.TieWordEmbeddings && !source.TryGetInfo(names.LmHead, out _)
                ? embedding!
                : Linear(source, [names.LmHead], [config.VocabSize], h, keep16);
        }

        return new ModelWeights(config, part, part.Embedding ? embedding : null, layers, finalNorm, lmHead);
    }

    private static LayerWeights LoadLayer(ITensorSource s, ModelConfig c, TensorNames n, ModelPart part, int i, bool keep16)
    {
        var h = c.HiddenSize;
        var qWidth = c.NumHeads * c.HeadDim;
        var kvWidth = c.NumKvHeads * c.HeadDim;
        var qkvBias = s.TryGetInfo(n.Attention(i, "q_proj", "bias"), out _)
            ? ReadFused(s, [n.Attention(i, "q_proj", "bias"), n.Attention(i, "k_proj", "bias"), n.Attention(i, "v_proj", "bias")], [qWidth, kvWidth, kvWidth], 1)
            : null;
        if (c.AttentionBias && qkvBias is null)
        {
            throw new CheckpointException($"{s.Description}: config asks for q/k/v biases but tensor '{n.Attention(i, "q_proj", "bias")}' is missing");
        }

        var oBias = s.TryGetInfo(n.Attention(i, "o_proj", "bias"), out _) ? Read(s, n.Attention(i, "o_proj", "bias"), [h]) : null;
        var output = Linear(s, [n.Attention(i, "o_proj")], [h], qWidth, keep16, oBias);
        var (qNorm, kNorm) = c.QkNorm switch
        {
            QkNormKind.PerHead => (Read(s, n.Attention(i, "q_norm"), [c.HeadDim]), Read(s, n.Attention(i, "k_norm"), [c.HeadDim])),
            QkNormKind.FullWidth => (Read(s, n.Attention(i, "q_norm"), [qWidth]), Read(s, n.Attention(i, "k_norm"), [kvWidth])),
            _ => ((float[]?)null, (float[]?)null),
        };
        var qkv = Linear(s, [n.Attention(i, "q_proj"), n.Attention(i, "k_proj"), n.Attention(i, "v_proj")], [qWidth, kvWidth, kvWidth], h, keep16, qkvBias);
        var attention = new AttentionWeights(qkv, output, qNorm, kNorm);

        SwiGluWeights? mlp = null;
        MoeWeights? moe = null;
        if (c.MoeLayers[i])
        {
            var experts = new SwiGluWeights?[c.NumExperts];
            for (var e = 0; e < c.NumExperts; e++)
            {
                if (part.HasExpert(i, e))
                {
                    experts[e] = LoadSwiGlu(s, n.Expert(i, e, "gate"), n.Expert(i, e, "up"), n.Expert(i, e, "down"), h, c.ExpertIntermediateSize, keep16);
                }
            }

            SwiGluWeights? shared = null;
            LinearWeight? sharedGate = null;
            if (c.SharedExpertIntermediateSize > 0)
            {
                shared = LoadSwiGlu(s, n.SharedExpert(i, "gate"), n.SharedExpert(i, "up"), n.SharedExpert(i, "down"), h, c.SharedExpertIntermediateSize, keep16);
                sharedGate = Linear(s, [n.SharedExpertGate(i)], [1], h, keep16);
            }

            moe = new MoeWeights(Linear(s, [n.Router(i)], [c.NumExperts], h, keep16), experts, shared, sharedGate);
        }
        else
        {
            mlp = LoadSwiGlu(s, n.DenseMlp(i, "gate"), n.DenseMlp(i, "up"), n.DenseMlp(i, "down"), h, c.IntermediateSize, keep16);
        }

        return new LayerWeights(i, Read(s, n.InputNorm(i), [h]), Read(s, n.PostAttentionNorm(i), [h]), attention, mlp, moe);
    }

    /// <summary>Loads one SwiGLU MLP (gate and up fused); shared by dense MLPs, experts and the expert grains.</summary>
    /// <param name="storage">How to hold the weights; null reads <see cref="StorageVariable"/>.</param>
    public static SwiGluWeights LoadSwiGlu(ITensorSource s, string gate, string up, string down, int hidden, int width, WeightStorage? storage = null) =>
        LoadSwiGlu(s, gate, up, down, hidden, width, ResolveStorage(storage) == WeightStorage.Checkpoint);

    private static SwiGluWeights LoadSwiGlu(ITensorSource s, string gate, string up, string down, int hidden, int width, bool keep16) =>
        new(Linear(s, [gate, up], [width, width], hidden, keep16), Linear(s, [down], [hidden], width, keep16));

    /// <summary>
    /// A linear weight stacking tensors [rows_i, cols]: kept bf16 when <paramref name="keep16"/> and every part
    /// is stored BF16, else fp32.
    /// </summary>
    private static LinearWeight Linear(ITensorSource s, string[] names, int[] rows, int cols, bool keep16, float[]? bias = null)
    {
        var total = 0;
        var allBf16 = keep16;
        for (var t = 0; t < names.Length; t++)
        {
            CheckShape(s, names[t], [rows[t], cols]);
            allBf16 &= s.GetInfo(names[t]).DType == DType.BF16;
            total += rows[t];
        }

        if (!allBf16)
        {
            return new LinearWeight(total, cols, ReadFused(s, names, rows, cols), bias);
        }

        var matrix = new Bf16Matrix(total, cols);
        var row = 0;
        for (var t = 0; t < names.Length; t++)
        {
            matrix.SetRows(row, MemoryMarshal.Cast<byte, ushort>(s.GetBytes(names[t])));
            row += rows[t];
        }

        return new LinearWeight(total, cols, matrix, bias);
    }

    /// <summary>Stacks tensors [rows_i, cols] into one [Σrows, cols] buffer.</summary>
    private static float[] ReadFused(ITensorSource s, string[] names, int[] rows, int cols)
    {
        var total = 0;
        foreach (var r in rows)
        {
            total += r;
        }

        var buffer = new float[(long)total * cols];
        var offset = 0L;
        for (var t = 0; t < names.Length; t++)
        {
            long[] shape = cols == 1 ? [rows[t]] : [rows[t], cols];
            CheckShape(s, names[t], shape);
            var length = (int)((long)rows[t] * cols);
            s.ReadFloat32(names[t], buffer.AsSpan((int)offset, length));
            offset += length;
        }

        return buffer;
    }

    private static float[] Read(ITensorSource s, string name, long[] shape)
    {
        CheckShape(s, name, shape);
        return s.ReadFloat32(name);
    }

    private static void CheckShape(ITensorSource s, string name, long[] expected)
    {
        var info = s.GetInfo(name);
        if (!info.Shape.SequenceEqual(expected))
        {
            throw new CheckpointException(
                $"{s.Description}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}] but the config implies [{string.Join(", ", expected)}]");
        }
    }
}
