using DistInfer.Engine.Config;
using DistInfer.Engine.Model;

namespace DistInfer.Grains.Weights;

/// <summary>Which checkpoint tensors an activation loads, so a silo ships only those.</summary>
public static class TensorSelection
{
    /// <summary>
    /// A stage: every tensor of its layers except routed experts (attention, norms, router, dense and shared MLPs),
    /// the embedding when it embeds (or its head is tied to it), the final norm and head when it is the last stage.
    /// </summary>
    public static IReadOnlyList<string> Stage(ModelConfig config, IReadOnlyCollection<string> available, int firstLayer, int endLayer, bool embedding, bool head)
    {
        var names = new TensorNames(config);
        var prefixes = new List<(string Layer, string? Routed)>();
        for (var l = firstLayer; l < endLayer; l++)
        {
            prefixes.Add((names.Layer(l, ""), config.MoeLayers[l] ? RoutedPrefix(names, l) : null));
        }

        var selected = new List<string>();
        foreach (var name in available)
        {
            foreach (var (layer, routed) in prefixes)
            {
                if (name.StartsWith(layer, StringComparison.Ordinal) && (routed is null || !name.StartsWith(routed, StringComparison.Ordinal)))
                {
                    selected.Add(name);
                    break;
                }
            }
        }

        void AddIfPresent(string name)
        {
            if (available.Contains(name))
            {
                selected.Add(name);
            }
        }

        if (embedding || (head && config.TieWordEmbeddings))
        {
            AddIfPresent(names.Embedding);
        }

        if (head)
        {
            AddIfPresent(names.FinalNorm);
            AddIfPresent(names.LmHead);
        }

        return selected;
    }

    /// <summary>An expert replica: the gate, up and down projections of one routed expert.</summary>
    public static IReadOnlyList<string> Expert(ModelConfig config, int layer, int expert)
    {
        var names = new TensorNames(config);
        return [names.Expert(layer, expert, "gate"), names.Expert(layer, expert, "up"), names.Expert(layer, expert, "down")];
    }

    /// <summary>"…layers.{l}.mlp.experts." (or block_sparse_moe.experts.): the common prefix of the layer's routed experts.</summary>
    private static string RoutedPrefix(TensorNames names, int layer)
    {
        var gate = names.Expert(layer, 0, "gate");
        var marker = gate.LastIndexOf(".experts.0.", StringComparison.Ordinal);
        return gate[..(marker + ".experts.".Length)];
    }
}
