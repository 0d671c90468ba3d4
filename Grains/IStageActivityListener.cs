namespace DistInfer.Grains;

/// <summary>
/// Optional silo service told when a stage starts working on a micro-batch, inside its busy interval (tracing,
/// and tests that hold a stage to observe the pipeline overlapping deterministically).
/// </summary>
public interface IStageActivityListener
{
    ValueTask OnBusyAsync(string stageKey, StageStep step);
}
