using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// Lets a call sent straight to a silo (the router's fast path) be routed again when that silo's connection is lost,
/// completing the same pending call, so the fast path keeps the slow path's forwarding without an async wrapper.
/// </summary>
internal interface ICallRetry
{
    /// <summary>True when it took over the call (and will complete it); false to fail it with <paramref name="error"/>.</summary>
    bool TryRetry(PendingCall call, SiloAddress silo, Exception error);
}
