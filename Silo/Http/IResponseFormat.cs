using DistInfer.Silo.Http.Contracts;

namespace DistInfer.Silo.Http;

/// <summary>How one endpoint (text or chat completions) shapes its responses and stream chunks.</summary>
internal interface IResponseFormat
{
    /// <summary>"cmpl-" or "chatcmpl-".</summary>
    string IdPrefix { get; }

    /// <summary>Serialized chunks for a delta; <paramref name="firstOfChoice"/> lets chat announce the role first.</summary>
    IEnumerable<byte[]> Chunks(ResponseHeader header, GenerationDelta delta, bool firstOfChoice);

    byte[] UsageChunk(ResponseHeader header, Usage usage);

    byte[] Complete(ResponseHeader header, IReadOnlyList<ChoiceResult> choices, Usage usage);
}
