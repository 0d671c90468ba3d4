using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime.Messaging;

/// <summary>Where decoded requests go (the silo's router); clients have none.</summary>
internal interface IIncomingRequestHandler
{
    ValueTask<object?> HandleAsync(GrainId target, GrainRequest request);
}
