namespace DistInfer.Runtime.Activation;

/// <summary>Completes a task; continuations run asynchronously so callers never run inside the callee's turn.</summary>
internal sealed class TaskResponseSink : TaskCompletionSource<object?>, IResponseSink
{
    public TaskResponseSink()
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
    }

    public void Complete(object? result) => TrySetResult(result);

    public void Fail(Exception error) => TrySetException(error);
}
