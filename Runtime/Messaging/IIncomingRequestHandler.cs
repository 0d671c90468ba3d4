using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime.Messaging;

/// <summary>Where decoded requests go (the silo's router); clients have none.</summary>
internal interface IIncomingRequestHandler
{
    /// <summary>Runs a decoded request; <paramref name="fromClient"/> requests were not placed by the caller.</summary>
    ValueTask<object?> HandleAsync(GrainId target, GrainRequest request, bool fromClient);
}
