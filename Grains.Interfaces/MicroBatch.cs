using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// One micro-batch on its way through a pipeline replica's activation streams: its id (unique per executor), the
/// results stream its last stage answers on, and the step (tokens for stage 0, hidden states after).
/// </summary>
[GenerateSerializer]
public sealed record MicroBatch
{
    [Id(0)] public long Id { get; init; }
    [Id(1)] public string ReplyTo { get; init; } = "";
    [Id(2)] public StageStep Step { get; init; } = new();
}
