using DistInfer.Runtime.Invocation;
using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// A request sent and not yet answered; completed by its response, a connection loss, or a timeout. Completing it
/// also forgets it (pending table, timeout sweep, cancellation), so the caller awaits its task with no wrapper.
/// </summary>
internal sealed class PendingCall : TaskCompletionSource<object?>, ITimeoutTarget
{
    private readonly MessageCenter _owner;
    private ICallRetry? _retry;
    private SiloAddress _silo;
    private long _started;
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

    /// <summary>A call sent by the router: routed again by <paramref name="retry"/> if <paramref name="silo"/>'s connection is lost, and counted in the call metrics.</summary>
    public void SetRetry(ICallRetry retry, SiloAddress silo, long started)
    {
        _retry = retry;
        _silo = silo;
        _started = started;
    }

    public void OnTimeout() =>
        Fail(new TimeoutException($"Response did not arrive on time ({Timeout}) for {Target}.{Request.MethodName}"));

    public void Succeed(object? result)
    {
        Forget();
        Record(failed: false);
        TrySetResult(result);
    }

    public void Fail(Exception error)
    {
        Forget();
        if (error is SiloUnavailableException && _retry is { } retry && retry.TryRetry(this, _silo, error))
        {
            return;
        }

        Record(failed: true);
        TrySetException(error);
    }

    private void Record(bool failed)
    {
        if (_retry is not null)
        {
            RuntimeMetrics.RecordCall(_owner.Time.GetElapsedTime(_started), failed);
        }
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
