namespace DistInfer.Engine.Serving;

/// <summary>
/// Sequences of one request run side by side and one failing cancels the others: the error to report is the failure,
/// not a sibling's cancellation.
/// </summary>
public static class SiblingFailures
{
    /// <summary>The first task's failure that is not a cancellation, or null when there is none.</summary>
    public static Exception? First(IEnumerable<Task> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        foreach (var task in tasks)
        {
            if (task.Exception?.InnerException is { } e and not OperationCanceledException)
            {
                return e;
            }
        }

        return null;
    }
}
