using DistInfer.Engine;

namespace DistInfer.Silo.Http;

/// <summary>A request the API refuses, with the HTTP status and OpenAI's error type, param and code.</summary>
public sealed class ApiException(int status, string message, string type = "invalid_request_error", string? param = null, string? code = null)
    : DistInferException(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    public static ApiException BadRequest(string message, string? param = null, string? code = null) => new(400, message, param: param, code: code);
}
