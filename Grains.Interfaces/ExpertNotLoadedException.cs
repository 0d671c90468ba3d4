namespace DistInfer.Grains;

/// <summary>
/// An expert grain was called before it had weights: its activation is new (its silo died and it reactivated
/// elsewhere, or it was collected). A stage loads it and calls again; other failures are not retried.
/// </summary>
public sealed class ExpertNotLoadedException(string message) : InvalidOperationException(message);
