namespace DistInfer.Runtime;

/// <summary>
/// Several local activations per grain id (up to <see cref="MaxLocalWorkers"/>), never registered in the
/// directory; calls go to an activation on the calling silo.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class StatelessWorkerAttribute : Attribute
{
    public StatelessWorkerAttribute()
        : this(Environment.ProcessorCount)
    {
    }

    public StatelessWorkerAttribute(int maxLocalWorkers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLocalWorkers, 1);
        MaxLocalWorkers = maxLocalWorkers;
    }

    public int MaxLocalWorkers { get; }
}
