namespace DistInfer.Runtime.Streams;

/// <summary>A stream: namespace (what implicit subscriptions match) plus key.</summary>
[GenerateSerializer]
[Immutable]
public readonly record struct StreamId([property: Id(0)] string Namespace, [property: Id(1)] string Key)
{
    public static StreamId Create(string streamNamespace, string key) => new(streamNamespace, key);

    public static StreamId Create(string streamNamespace, Guid key) => new(streamNamespace, key.ToString("N"));

    public override string ToString() => $"{Namespace}/{Key}";
}
