namespace DistInfer.Engine.Partitioning;

/// <summary>One pipeline stage: layers [FirstLayer, EndLayer), plus the embedding (first stage) and head (last).</summary>
public sealed record StagePlan(int Stage, int FirstLayer, int EndLayer, bool Embedding, bool Head, long ParameterBytes)
{
    public int LayerCount => EndLayer - FirstLayer;
}
