namespace DistInfer.Silo.Http.Contracts;

/// <summary>An entry of GET /v1/models.</summary>
public sealed class ModelInfo
{
    public string Id { get; set; } = "";
    public string Object { get; set; } = "model";
    public long Created { get; set; }
    public string OwnedBy { get; set; } = "distinfer";

    /// <summary>Extension: the context length.</summary>
    public int MaxModelLen { get; set; }
}
