namespace DistInfer.Engine.Serving;

/// <summary>The waiting queue is full; the caller should retry later (HTTP 429).</summary>
public sealed class OverCapacityException(string message) : DistInferException(message);
