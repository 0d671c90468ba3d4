namespace DistInfer.Silo.Http.Contracts;

/// <summary>GET /v1/models.</summary>
public sealed class ModelList
{
    public string Object { get; set; } = "list";
    public IReadOnlyList<ModelInfo> Data { get; set; } = [];
}
