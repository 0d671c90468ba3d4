using DistInfer.Engine;

namespace DistInfer.Grains.Fabric;

/// <summary>No model of that name is deployed in the cluster (HTTP 404).</summary>
public sealed class ModelNotFoundException(string model) : DistInferException($"model '{model}' is not deployed");
