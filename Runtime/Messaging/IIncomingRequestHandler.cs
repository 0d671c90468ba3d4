using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime.Messaging;

/// <summary>Where decoded requests go (the silo's router); clients have none.</summary>
internal interface IIncomingRequestHandler
{
    /// <summary>Runs a decoded request; <paramref name="fromClient"/> requests were not placed by the caller.</summary>
    ValueTask<object?> HandleAsync(GrainId target, GrainRequest request, bool fromClient);

    /// <summary>Queues the request on the target's local activation, if this silo has one; false means route it.</summary>
    bool TryDeliverLocal(GrainId target, GrainRequest request, Activation.IResponseSink sink);
}
