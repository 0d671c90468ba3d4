namespace DistInfer.Grains;

/// <summary>The memory stream provider and namespaces that carry micro-batches between pipeline stages.</summary>
public static class PipelineStreams
{
    /// <summary>Memory stream provider registered by AddDistInferFabric.</summary>
    public const string Provider = "distinfer";

    /// <summary>Micro-batch activations; key: the consuming stage's key "{model}/{replica}/{stage}".</summary>
    public const string Activations = "distinfer.activations";

    /// <summary>Micro-batch results; key: the executor's results key (consumed by its results grain).</summary>
    public const string Results = "distinfer.results";
}
