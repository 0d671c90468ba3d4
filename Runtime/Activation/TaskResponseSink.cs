using DistInfer.Runtime.Invocation;
using DistInfer.Runtime.Messaging;

namespace DistInfer.Runtime.Activation;

/// <summary>
/// Completes a local call's task (continuations run asynchronously so callers never run inside the callee's turn);
/// copies the result for the caller, leaves the timeout sweep and records the call metric, without an extra async
/// state machine per call.
/// </summary>
internal sealed class TaskResponseSink : TaskCompletionSource<object?>, IResponseSink, ITimeoutTarget
{
    private readonly GrainRequest? _request;
    private readonly TimeSpan _timeout;
    private readonly ResponseTimeouts? _timeouts;
    private readonly TimeProvider? _time;
    private readonly bool _copyResult;
    private readonly long _started;

    public TaskResponseSink()
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
    }

    public TaskResponseSink(GrainRequest request, TimeSpan timeout, ResponseTimeouts timeouts, TimeProvider time, bool copyResult)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _request = request;
        _timeout = timeout;
        _timeouts = timeouts;
        _time = time;
        _copyResult = copyResult;
        _started = time.GetTimestamp();
        DeadlineTimestamp = timeouts.DeadlineAfter(timeout);
        timeouts.Add(this);
    }

    public long DeadlineTimestamp { get; }

    public void Complete(object? result)
    {
        try
        {
            result = _copyResult ? _request!.CopyResult(result) : result;
        }
        catch (Exception ex)
        {
            Fail(ex);
            return;
        }

        Done(failed: false);
        TrySetResult(result);
    }

    public void Fail(Exception error)
    {
        Done(failed: true);
        TrySetException(error);
    }

    public void OnTimeout() =>
        TrySetException(new TimeoutException($"Response did not arrive on time ({_timeout}) for {_request?.MethodName}"));

    private void Done(bool failed)
    {
        if (_timeouts is not null)
        {
            _timeouts.Remove(this);
            RuntimeMetrics.RecordCall(_time!.GetElapsedTime(_started), failed);
        }
    }
}
