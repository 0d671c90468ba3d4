namespace DistInfer.Grains.Balancing;

/// <summary>
/// The registry refused a replica set planned against an older version: another rebalance or repair committed first.
/// A new plan on the new version can go through, so a repair after a silo death tries again
/// (<see cref="RepairFailures"/>). An <see cref="InvalidOperationException"/>, as the refusal was before.
/// </summary>
public sealed class ReplicaSetConflictException : InvalidOperationException
{
    /// <summary>The message alone: how a grain call's caller on another silo gets it back.</summary>
    public ReplicaSetConflictException(string message)
        : base(message)
    {
    }

    public ReplicaSetConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
