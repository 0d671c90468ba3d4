using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>One activation's progress in getting its weights (a stage or an expert replica).</summary>
[GenerateSerializer]
public sealed record WeightLoadProgress
{
    /// <summary>"stage" or "expert".</summary>
    [Id(0)] public string Kind { get; init; } = "";

    /// <summary>The grain key: "model/replica/stage" or "model/layer/expert/replica".</summary>
    [Id(1)] public string Key { get; init; } = "";
    [Id(2)] public string Silo { get; init; } = "";
    [Id(3)] public WeightLoadPhase Phase { get; init; }

    /// <summary>Bytes of the tensors this activation needs (0 until it knows).</summary>
    [Id(4)] public long BytesTotal { get; init; }

    /// <summary>Bytes read from the checkpoint into weights so far.</summary>
    [Id(5)] public long BytesLoaded { get; init; }

    /// <summary>Bytes to ship because the model path is not on this silo and the cache misses them (0: none).</summary>
    [Id(6)] public long BytesToFetch { get; init; }
    [Id(7)] public long BytesFetched { get; init; }
    [Id(8)] public string? Error { get; init; }

    /// <summary>Orders reports of one activation: a later phase, or more bytes in the same phase, wins.</summary>
    public bool IsAfter(WeightLoadProgress other) =>
        Phase != other.Phase ? Phase > other.Phase : BytesLoaded + BytesFetched > other.BytesLoaded + other.BytesFetched;
}
