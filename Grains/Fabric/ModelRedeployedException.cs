using DistInfer.Engine;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// The model was redeployed with another plan while a request ran, which ended it: the model is still there, so the
/// request can be sent again (HTTP 503, retryable).
/// </summary>
public sealed class ModelRedeployedException : DistInferException
{
    /// <summary>The message alone: how a grain call's caller gets it back (<see cref="Model"/> is then null).</summary>
    public ModelRedeployedException(string message)
        : base(message)
    {
    }

    public ModelRedeployedException(string model, string message)
        : base(message)
    {
        Model = model;
    }

    public string? Model { get; }
}
