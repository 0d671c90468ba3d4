namespace DistInfer.Silo.Http.Contracts;

/// <summary>OpenAI's error object.</summary>
public sealed class ErrorDetail
{
    public string Message { get; set; } = "";
    public string Type { get; set; } = "";
    public string? Param { get; set; }
    public string? Code { get; set; }
}
