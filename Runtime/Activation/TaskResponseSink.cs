using DistInfer.Runtime.Invocation;
using DistInfer.Runtime.Messaging;

namespace DistInfer.Runtime.Activation;

/// <summary>Completes a task; continuations run asynchronously so callers never run inside the callee's turn.</summary>
internal sealed class TaskResponseSink : TaskCompletionSource<object?>, IResponseSink, ITimeoutTarget
{
    private readonly GrainRequest? _request;
    private readonly TimeSpan _timeout;

    public TaskResponseSink()
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
    }

    public TaskResponseSink(GrainRequest request, TimeSpan timeout, long deadline)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _request = request;
        _timeout = timeout;
        DeadlineTimestamp = deadline;
    }

    public long DeadlineTimestamp { get; }

    public void OnTimeout() =>
        TrySetException(new TimeoutException($"Response did not arrive on time ({_timeout}) for {_request?.MethodName}"));

    public void Complete(object? result) => TrySetResult(result);

    public void Fail(Exception error) => TrySetException(error);
}
