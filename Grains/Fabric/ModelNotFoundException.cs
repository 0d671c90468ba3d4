using DistInfer.Engine;

namespace DistInfer.Grains.Fabric;

/// <summary>No model of that name is deployed in the cluster (HTTP 404), or it was undeployed while a request ran.</summary>
public sealed class ModelNotFoundException : DistInferException
{
    /// <summary>The message alone: how a grain call's caller gets it back (<see cref="Model"/> is then null).</summary>
    public ModelNotFoundException(string message)
        : base(message)
    {
    }

    public ModelNotFoundException(string model, string message)
        : base(message)
    {
        Model = model;
    }

    public string? Model { get; }

    public static ModelNotFoundException NotDeployed(string model) => new(model, $"model '{model}' is not deployed");
}
