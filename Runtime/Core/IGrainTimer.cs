namespace DistInfer.Runtime;

/// <summary>A grain timer; Dispose stops it. Callbacks run as turns of the activation.</summary>
public interface IGrainTimer : IDisposable
{
    void Change(TimeSpan dueTime, TimeSpan period);
}
