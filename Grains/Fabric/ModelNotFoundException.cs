using DistInfer.Engine;

namespace DistInfer.Grains.Fabric;

/// <summary>No model of that name is deployed in the cluster (HTTP 404), or it was undeployed while a request ran.</summary>
public sealed class ModelNotFoundException : DistInferException
{
    public ModelNotFoundException(string model)
        : this(model, $"model '{model}' is not deployed")
    {
    }

    public ModelNotFoundException(string model, string message)
        : base(message)
    {
        Model = model;
    }

    public string Model { get; }
}
