using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime.Messaging;

/// <summary>A request sent and not yet answered; completed by its response, a connection loss, or a timeout.</summary>
internal sealed class PendingCall : TaskCompletionSource<object?>, ITimeoutTarget
{
    public PendingCall(long correlationId, GrainRequest request, Connection connection, GrainId target, TimeSpan timeout, long deadline)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        CorrelationId = correlationId;
        Request = request;
        Connection = connection;
        Target = target;
        Timeout = timeout;
        DeadlineTimestamp = deadline;
    }

    public GrainId Target { get; }

    public TimeSpan Timeout { get; }

    public long DeadlineTimestamp { get; }

    public void OnTimeout() =>
        TrySetException(new TimeoutException($"Response did not arrive on time ({Timeout}) for {Target}.{Request.MethodName}"));

    public long CorrelationId { get; }

    public GrainRequest Request { get; }

    public Connection Connection { get; }

    public CancellationTokenRegistration Cancellation { get; set; }
}
