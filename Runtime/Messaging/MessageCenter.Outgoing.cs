using DistInfer.Runtime.Invocation;
using DistInfer.Runtime.Serialization;
using DistInfer.Runtime.Serialization.Codecs;

namespace DistInfer.Runtime.Messaging;

/// <summary>The calling side: encode and send requests, complete pending calls from their responses.</summary>
internal sealed partial class MessageCenter
{
    /// <summary>
    /// Sends a request; the returned task is the pending call's own (no async wrapper), completed by the response, a
    /// timeout or the connection's loss. Failures before sending (oversize, closed connection) come back in the task.
    /// </summary>
    public ValueTask<object?> SendRequestAsync(Connection connection, GrainId target, GrainRequest request) =>
        SendRequestAsync(connection, target, request, null, default);

    /// <summary>As above; with <paramref name="retry"/>, a lost connection hands the call to it (see <see cref="ICallRetry"/>).</summary>
    public ValueTask<object?> SendRequestAsync(Connection connection, GrainId target, GrainRequest request, ICallRetry? retry, Membership.SiloAddress silo)
    {
        var timeout = request.ResponseTimeout ?? _options.ResponseTimeout;
        var id = Interlocked.Increment(ref _nextCorrelationId);
        PooledBufferWriter frame;
        try
        {
            frame = EncodeRequest(MessageKind.Request, id, target, request, timeout);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<object?>(ex);
        }

        var call = new PendingCall(this, id, request, connection, target, timeout, Timeouts.DeadlineAfter(timeout));
        if (retry is not null)
        {
            call.SetRetry(retry, silo, _time.GetTimestamp());
        }

        _pending.Add(id, call);
        Timeouts.Add(call);
        ValueTask sent;
        try
        {
            sent = connection.SendAsync(frame);
        }
        catch (Exception ex)
        {
            call.Forget();
            return ValueTask.FromException<object?>(ex);
        }

        if (!sent.IsCompletedSuccessfully)
        {
            return AwaitQueuedAsync(sent, call);
        }

        RegisterCancellation(call);
        return new ValueTask<object?>(call.Task);
    }

    /// <summary>Called once by a completed (or abandoned) call.</summary>
    internal void Forget(PendingCall call)
    {
        _pending.TryRemove(call.CorrelationId, out _);
        Timeouts.Remove(call);
        call.Cancellation.Unregister();
    }

    private async ValueTask<object?> AwaitQueuedAsync(ValueTask sent, PendingCall call)
    {
        try
        {
            await sent.ConfigureAwait(false);
        }
        catch
        {
            call.Forget();
            throw;
        }

        RegisterCancellation(call);
        return await call.Task.ConfigureAwait(false);
    }

    private void RegisterCancellation(PendingCall call)
    {
        // Registered after the request is queued so a cancel frame can never overtake its request.
        if (call.Request.CancellationToken.CanBeCanceled)
        {
            call.Cancellation = call.Request.CancellationToken.UnsafeRegister(static state => ((PendingCall)state!).Owner.SendCancel((PendingCall)state!), call);
            if (call.Task.IsCompleted)
            {
                call.Cancellation.Unregister();
            }
        }
    }

    public void SendOneWay(Connection connection, GrainId target, GrainRequest request)
    {
        var frame = EncodeRequest(MessageKind.OneWay, 0, target, request, TimeSpan.Zero);
        _ = connection.SendAsync(frame);
    }

    private PooledBufferWriter EncodeRequest(MessageKind kind, long id, GrainId target, GrainRequest request, TimeSpan timeout)
    {
        var header = new MessageHeader
        {
            Kind = kind,
            CorrelationId = id,
            InterfaceId = request.InterfaceId,
            MethodId = request.MethodId,
            TimeoutMilliseconds = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds),
            Target = target,
        };
        var frame = FrameCodec.Begin(header);
        try
        {
            var writer = new Writer(frame);
            request.WriteArguments(ref writer);
            writer.Commit();
            var length = FrameCodec.Finish(frame);
            if (length > _options.MaxMessageSize)
            {
                throw new MessageTooLargeException(
                    $"Request {target}.{request.MethodName} is {length} bytes, over the maximum message size of {_options.MaxMessageSize} bytes");
            }

            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    private void SendCancel(PendingCall call)
    {
        if (!call.Task.IsCompleted && !call.Connection.IsClosed)
        {
            try
            {
                _ = call.Connection.SendAsync(EncodeControl(ControlCode.Cancel, call.CorrelationId, string.Empty));
            }
            catch (SiloUnavailableException)
            {
            }
        }
    }

    private void OnResponse(in MessageHeader header, ReadOnlySpan<byte> body)
    {
        if (!_pending.TryRemove(header.CorrelationId, out var call))
        {
            FrameCodec.ReleaseAttachments(header.Attachments);
            return; // Timed out or cancelled already: nobody takes its buffers.
        }

        try
        {
            var reader = new Reader(body, header.Attachments);
            if (header.Status == ResponseStatus.Ok)
            {
                call.Succeed(call.Request.ReadResult(ref reader));
            }
            else
            {
                var field = reader.ReadTag();
                call.Fail(Codec<Exception>.Instance.ReadValue(ref reader, field.WireType));
            }
        }
        catch (Exception ex)
        {
            FrameCodec.ReleaseAttachments(header.Attachments);
            call.Fail(ex);
        }
    }
}
