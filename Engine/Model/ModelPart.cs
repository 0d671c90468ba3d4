namespace DistInfer.Engine.Model;

/// <summary>
/// Which part of a model one process loads: a contiguous layer range, the embedding and/or the head, and a filter
/// over (layer, expert) so expert weights can live elsewhere. <see cref="Whole"/> loads everything.
/// </summary>
public sealed record ModelPart(int FirstLayer, int EndLayer, bool Embedding, bool Head, Func<int, int, bool>? ExpertFilter = null)
{
    public static ModelPart Whole(int layers) => new(0, layers, true, true);

    public bool HasLayer(int layer) => layer >= FirstLayer && layer < EndLayer;

    public bool HasExpert(int layer, int expert) => ExpertFilter?.Invoke(layer, expert) ?? true;
}
