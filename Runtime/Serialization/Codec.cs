namespace DistInfer.Runtime.Serialization;

/// <summary>Static per-type cache of the codec, resolved once; generated code calls Codec&lt;T&gt;.Instance.</summary>
public static class Codec<T>
{
    public static readonly IFieldCodec<T> Instance = CodecProvider.Resolve<T>();
}
