namespace DistInfer.Silo.Http.Contracts;

/// <summary>OpenAI's error body: {"error": {...}}.</summary>
public sealed class ErrorResponse
{
    public ErrorDetail Error { get; set; } = new();
}
