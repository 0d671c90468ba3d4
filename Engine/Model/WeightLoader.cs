using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;

namespace DistInfer.Engine.Model;

/// <summary>
/// Loads a model part's weights from a checkpoint into fp32, checking every tensor's shape against the config.
/// Each tensor is converted straight from the memory map into its final buffer (fused q/k/v and gate/up
/// included), so nothing is copied twice.
/// </summary>
public static class WeightLoader
{
    public static ModelWeights Load(ITensorSource source, ModelConfig config, ModelPart? part = null)
    {
        part ??= ModelPart.Whole(config.NumLayers);
        if (part.FirstLayer < 0 || part.EndLayer > config.NumLayers || part.FirstLayer > part.EndLayer)
        {
            throw new ArgumentOutOfRangeException(nameof(part), $"layers [{part.FirstLayer}, {part.EndLayer}) outside 0..{config.NumLayers}");
        }

        var names = new TensorNames(config);
        var h = config.HiddenSize;
        var embedding = part.Embedding || (part.Head && config.TieWordEmbeddings)
            ? Read(source, names.Embedding, [config.VocabSize, h])
            : null;
        var layers = new LayerWeights?[config.NumLayers];
        Parallel.For(part.FirstLayer, part.EndLayer, i => layers[i] = LoadLayer(source, config, names, part, i));

        float[]? finalNorm = null;
        LinearWeight? lmHead = null;
        if (part.Head)
        {
            finalNorm = Read(source, names.FinalNorm, [h]);
            var headWeight = config.TieWordEmbeddings && !source.TryGetInfo(names.LmHead, out _)
                ? embedding!
                : Read(source, names.LmHead, [config.VocabSize, h]);
            lmHead = new LinearWeight(config.VocabSize, h, headWeight);
        }

        return new ModelWeights(config, part, part.Embedding ? embedding : null, layers, finalNorm, lmHead);
    }

    private static LayerWeights LoadLayer(ITensorSource s, ModelConfig c, TensorNames n, ModelPart part, int i)
    {
        var h = c.HiddenSize;
        var qWidth = c.NumHeads * c.HeadDim;
        var kvWidth = c.NumKvHeads * c.HeadDim;
        var qkv = ReadFused(s, [n.Attention(i, "q_proj"), n.Attention(i, "k_proj"), n.Attention(i, "v_proj")], [qWidth, kvWidth, kvWidth], h);
        var qkvBias = s.TryGetInfo(n.Attention(i, "q_proj", "bias"), out _)
            ? ReadFused(s, [n.Attention(i, "q_proj", "bias"), n.Attention(i, "k_proj", "bias"), n.Attention(i, "v_proj", "bias")], [qWidth, kvWidth, kvWidth], 1)
            : null;
        if (c.AttentionBias && qkvBias is null)
        {
            throw new CheckpointException($"{s.Description}: config asks for q/k/v biases but tensor '{n.Attention(i, "q_proj", "bias")}' is missing");
        }

        var oBias = s.TryGetInfo(n.Attention(i, "o_proj", "bias"), out _) ? Read(s, n.Attention(i, "o_proj", "bias"), [h]) : null;
        var output = new LinearWeight(h, qWidth, Read(s, n.Attention(i, "o_proj"), [h, qWidth]), oBias);
        var (qNorm, kNorm) = c.QkNorm switch
        {
            QkNormKind.PerHead => (Read(s, n.Attention(i, "q_norm"), [c.HeadDim]), Read(s, n.Attention(i, "k_norm"), [c.HeadDim])),
            QkNormKind.FullWidth => (Read(s, n.Attention(i, "q_norm"), [qWidth]), Read(s, n.Attention(i, "k_norm"), [kvWidth])),
            _ => ((float[]?)null, (float[]?)null),
        };
        var attention = new AttentionWeights(new LinearWeight(qWidth + 2 * kvWidth, h, qkv, qkvBias), output, qNorm, kNorm);

        SwiGluWeights? mlp = null;
        MoeWeights? moe = null;
        if (c.MoeLayers[i])
        {
            var experts = new SwiGluWeights?[c.NumExperts];
            for (var e = 0; e < c.NumExperts; e++)
            {
                if (part.HasExpert(i, e))
                {
                    experts[e] = LoadSwiGlu(s, n.Expert(i, e, "gate"), n.Expert(i, e, "up"), n.Expert(i, e, "down"), h, c.ExpertIntermediateSize);
                }
            }

            SwiGluWeights? shared = null;
            LinearWeight? sharedGate = null;
            if (c.SharedExpertIntermediateSize > 0)
            {
                shared = LoadSwiGlu(s, n.SharedExpert(i, "gate"), n.SharedExpert(i, "up"), n.SharedExpert(i, "down"), h, c.SharedExpertIntermediateSize);
                sharedGate = new LinearWeight(1, h, Read(s, n.SharedExpertGate(i), [1, h]));
            }

            moe = new MoeWeights(new LinearWeight(c.NumExperts, h, Read(s, n.Router(i), [c.NumExperts, h])), experts, shared, sharedGate);
        }
        else
        {
            mlp = LoadSwiGlu(s, n.DenseMlp(i, "gate"), n.DenseMlp(i, "up"), n.DenseMlp(i, "down"), h, c.IntermediateSize);
        }

        return new LayerWeights(i, Read(s, n.InputNorm(i), [h]), Read(s, n.PostAttentionNorm(i), [h]), attention, mlp, moe);
    }

    /// <summary>Loads one SwiGLU MLP (gate and up fused); shared by dense MLPs, experts and the expert grains.</summary>
    public static SwiGluWeights LoadSwiGlu(ITensorSource s, string gate, string up, string down, int hidden, int width)
    {
        var gateUp = ReadFused(s, [gate, up], [width, width], hidden);
        return new SwiGluWeights(new LinearWeight(2 * width, hidden, gateUp), new LinearWeight(hidden, width, Read(s, down, [hidden, width])));
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
