using DistInfer.Engine;

namespace DistInfer.Grains.Balancing;

/// <summary>
/// A rebalance or repair cut short by a silo that stopped answering. Its own type (not a plain
/// <see cref="DistInferException"/>) because the cause does not cross silos: a caller elsewhere gets this type back
/// with the message alone, and the death listener tries such a repair again (<see cref="RepairFailures"/>).
/// </summary>
public sealed class BalancerInterruptedException : DistInferException
{
    /// <summary>The message alone: how a grain call's caller on another silo gets it back.</summary>
    public BalancerInterruptedException(string message)
        : base(message)
    {
    }

    public BalancerInterruptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
