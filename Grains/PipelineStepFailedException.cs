namespace DistInfer.Grains;

/// <summary>A stage could not run a micro-batch (the stream transport's error item); the executor retries the step.</summary>
public sealed class PipelineStepFailedException(string message) : Exception(message);
