namespace DistInfer.Runtime;

/// <summary>Orleans' options for RegisterGrainTimer.</summary>
public readonly record struct GrainTimerCreationOptions(TimeSpan DueTime, TimeSpan Period)
{
    /// <summary>Let the callback interleave with requests (otherwise it waits its turn like a request).</summary>
    public bool Interleave { get; init; }

    /// <summary>Whether a tick counts as activity for idle collection (default no).</summary>
    public bool KeepAlive { get; init; }
}
