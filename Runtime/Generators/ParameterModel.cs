namespace DistInfer.Runtime.Generators;

internal sealed class ParameterModel
{
    public ParameterModel(string name, string type, bool isCancellationToken, bool isImmutable)
    {
        Name = name;
        Type = type;
        IsCancellationToken = isCancellationToken;
        IsImmutable = isImmutable;
    }

    public string Name { get; }

    public string Type { get; }

    public bool IsCancellationToken { get; }

    public bool IsImmutable { get; }
}
