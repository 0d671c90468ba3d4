namespace DistInfer.Grains;

/// <summary>
/// A stage no longer holds the KV cache a step expects (its silo was lost and it was reactivated elsewhere); the
/// caller re-prefills the sequence from its tokens so far.
/// </summary>
public sealed class SequenceStateLostException(string message) : Exception(message);
