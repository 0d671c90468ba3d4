using DistInfer.Runtime.Activation;
using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// Outcome of a request that arrived on a connection and runs on a local activation: the response is encoded and
/// queued where the turn finishes, with no task, continuation or thread hop in between. The caller enforces the
/// timeout; this side records the call metric as a local invocation does.
/// </summary>
internal sealed class IncomingCallSink : IResponseSink
{
    private readonly MessageCenter _messages;
    private readonly Connection _connection;
    private readonly long _correlationId;
    private readonly GrainRequest _request;
    private readonly CancellationTokenSource? _cancellation;
    private readonly long _started;
    private readonly object[]? _attachments;
    private int _done;

    public IncomingCallSink(MessageCenter messages, Connection connection, long correlationId, GrainRequest request, CancellationTokenSource? cancellation, long started, object[]? attachments)
    {
        _attachments = attachments;
        _messages = messages;
        _connection = connection;
        _correlationId = correlationId;
        _request = request;
        _cancellation = cancellation;
        _started = started;
    }

    public void Complete(object? result)
    {
        if (Done(failed: false))
        {
            _messages.SendResponse(_connection, _correlationId, _request, result, null);
            FrameCodec.ReleaseAttachments(_attachments);
        }
    }

    public void Fail(Exception error)
    {
        if (Done(failed: true))
        {
            _messages.SendResponse(_connection, _correlationId, _request, null, error);
            FrameCodec.ReleaseAttachments(_attachments);
        }
    }

    private bool Done(bool failed)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return false;
        }

        _messages.EndIncoming(_connection, _correlationId, _cancellation);
        RuntimeMetrics.RecordCall(_messages.Time.GetElapsedTime(_started), failed);
        return true;
    }
}
