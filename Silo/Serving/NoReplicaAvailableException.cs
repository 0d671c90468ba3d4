using DistInfer.Engine;

namespace DistInfer.Silo.Serving;

/// <summary>No replica of the model can take the request right now (HTTP 503).</summary>
public sealed class NoReplicaAvailableException(string message) : DistInferException(message);
