using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// What a pipeline delivers on its executor's results stream for one micro-batch: the last stage's last-token
/// logits [B, V], or the failure of the stage that could not go on (so the executor fails the step, never hangs).
/// [Immutable]: a results grain on the last stage's silo receives this very object, and its logits go on to the
/// executor uncopied; the stage rents each step's logits from the process's LogitsPool and gives them back itself
/// only when the results grain is elsewhere (it got a copy).
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed record MicroBatchResult
{
    [Id(0)] public long Id { get; init; }
    [Id(1)] public float[] Logits { get; init; } = [];

    /// <summary>Null on success; else "stage key: exception type: message".</summary>
    [Id(2)] public string? Error { get; init; }

    /// <summary>The stage failed because a silo it needed did not answer (the executor then reports a lost silo, not a failed step).</summary>
    [Id(3)] public bool SiloUnavailable { get; init; }

    /// <summary>The stage had no room for the KV caches of the micro-batch's new sequences (a <c>StageFullException</c>).</summary>
    [Id(4)] public bool StageFull { get; init; }
}
