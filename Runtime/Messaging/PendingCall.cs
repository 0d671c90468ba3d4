using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime.Messaging;

/// <summary>A request sent and not yet answered; completed by its response, a connection loss, or a timeout.</summary>
internal sealed class PendingCall : TaskCompletionSource<object?>
{
    public PendingCall(long correlationId, GrainRequest request, Connection connection)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        CorrelationId = correlationId;
        Request = request;
        Connection = connection;
    }

    public long CorrelationId { get; }

    public GrainRequest Request { get; }

    public Connection Connection { get; }

    public CancellationTokenRegistration Cancellation { get; set; }
}
