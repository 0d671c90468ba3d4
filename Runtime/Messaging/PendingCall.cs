using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// A request sent and not yet answered; completed by its response, a connection loss, or a timeout. Completing it
/// also forgets it (pending table, timeout sweep, cancellation), so the caller awaits its task with no wrapper.
/// </summary>
internal sealed class PendingCall : TaskCompletionSource<object?>, ITimeoutTarget
{
    private readonly MessageCenter _owner;
    private int _forgotten;

    public PendingCall(MessageCenter owner, long correlationId, GrainRequest request, Connection connection, GrainId target, TimeSpan timeout, long deadline)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _owner = owner;
        CorrelationId = correlationId;
        Request = request;
        Connection = connection;
        Target = target;
        Timeout = timeout;
        DeadlineTimestamp = deadline;
    }

    public MessageCenter Owner => _owner;

    public GrainId Target { get; }

    public TimeSpan Timeout { get; }

    public long DeadlineTimestamp { get; }

    public long CorrelationId { get; }

    public GrainRequest Request { get; }

    public Connection Connection { get; }

    public CancellationTokenRegistration Cancellation { get; set; }

    public void OnTimeout() =>
        Fail(new TimeoutException($"Response did not arrive on time ({Timeout}) for {Target}.{Request.MethodName}"));

    public void Succeed(object? result)
    {
        Forget();
        TrySetResult(result);
    }

    public void Fail(Exception error)
    {
        Forget();
        TrySetException(error);
    }

    /// <summary>Leaves the pending table, the timeout sweep and the cancellation token (once).</summary>
    public void Forget()
    {
        if (Interlocked.Exchange(ref _forgotten, 1) == 0)
        {
            _owner.Forget(this);
        }
    }
}
