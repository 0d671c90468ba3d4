using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// One micro-batch on its way through a pipeline replica's activation streams: its id (unique per executor), the
/// results stream its last stage answers on, and the step (tokens for stage 0, hidden states after).
/// [Immutable]: a stage on the producer's silo receives this very object (no copy; it copies the hidden states into
/// its own buffer), so a producer never touches the arrays it put in once it called OnNextAsync.
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed record MicroBatch
{
    [Id(0)] public long Id { get; init; }
    [Id(1)] public string ReplyTo { get; init; } = "";
    [Id(2)] public StageStep Step { get; init; } = new();
}
