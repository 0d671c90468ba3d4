namespace DistInfer.Grains.Fabric;

/// <summary>How micro-batches travel between the stages of a pipeline replica.</summary>
public enum PipelineTransport
{
    /// <summary>Memory-provider streams: one activation stream per stage, results on the executor's results stream.</summary>
    Streams,

    /// <summary>Nested IStageGrain.Forward calls; logits come back along the call chain.</summary>
    DirectCalls,
}
