namespace DistInfer.Runtime.Tests.Grains;

/// <summary>No (string) constructor, so the caller gets a RemoteGrainException naming it.</summary>
public sealed class UnconstructibleException(string message, int code) : Exception(message)
{
    public int Code { get; } = code;
}
