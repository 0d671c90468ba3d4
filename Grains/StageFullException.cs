using DistInfer.Engine;

namespace DistInfer.Grains;

/// <summary>
/// A step brought sequences new to a stage that holds as many KV caches as it may (a GPU stage's slots, or
/// <see cref="Fabric.FabricOptions.StageMaxSequences"/>), as when several gateways' batchers share one pipeline
/// replica. Thrown before the step touches any cache; the executor runs the step without its new sequences, which
/// wait in their batcher's queue and try again (<see cref="Engine.Serving.SequencesDeferredException"/>).
/// </summary>
public sealed class StageFullException(string message) : DistInferException(message);
