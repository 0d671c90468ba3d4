using DistInfer.Engine;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// The model was redeployed with another plan while a request ran, which ended it: the model is still there, so the
/// request can be sent again (HTTP 503, retryable).
/// </summary>
public sealed class ModelRedeployedException(string model, string message) : DistInferException(message)
{
    public string Model { get; } = model;
}
