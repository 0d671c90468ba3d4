using DistInfer.Runtime.Invocation;
using DistInfer.Runtime.Serialization;
using DistInfer.Runtime.Serialization.Codecs;

namespace DistInfer.Runtime.Messaging;

/// <summary>The receiving side: decode requests, run them through the router, answer.</summary>
internal sealed partial class MessageCenter
{
    private void OnRequest(Connection connection, in MessageHeader header, ReadOnlySpan<byte> body)
    {
        var isOneWay = header.Kind == MessageKind.OneWay;
        var correlationId = header.CorrelationId;
        GrainRequest? request = null;
        try
        {
            if (connection.RejectReason is { } reason)
            {
                throw new CallRefusedException("Call refused: " + reason);
            }

            if (!GrainTypeRegistry.TryGetInterface(header.InterfaceId, out var info))
            {
                throw new InvalidOperationException($"Unknown grain interface id {header.InterfaceId} for {header.Target}: no grain interface with that id is loaded on this silo");
            }

            request = info.RequestFactory(header.MethodId)
                ?? throw new InvalidOperationException($"Unknown method id {header.MethodId} on {info.Name}");
            var reader = new Reader(body, header.Attachments);
            request.ReadArguments(ref reader);
        }
        catch (Exception ex)
        {
            if (!isOneWay)
            {
                SendResponse(connection, correlationId, null, null, ex);
            }

            FrameCodec.ReleaseAttachments(header.Attachments);
            return;
        }

        CancellationTokenSource? cts = null;
        if (request.HasCancellationToken && !isOneWay)
        {
            cts = new CancellationTokenSource();
            _incomingCancellations[(connection, correlationId)] = cts;
            request.SetCancellationToken(cts.Token);
        }

        // Fast path: the grain is active here, so its turn answers the call directly.
        if (!isOneWay && RequestHandler is { } handler
            && handler.TryDeliverLocal(header.Target, request, new IncomingCallSink(this, connection, correlationId, request, cts, _time.GetTimestamp(), header.Attachments)))
        {
            return;
        }

        _ = RunRequestAsync(connection, header.Target, request, correlationId, isOneWay, cts, header.Attachments);
    }

    public TimeProvider Time => _time;

    /// <summary>An incoming call finished: its cancellation source goes.</summary>
    internal void EndIncoming(Connection connection, long correlationId, CancellationTokenSource? cts)
    {
        if (cts is not null)
        {
            _incomingCancellations.TryRemove((connection, correlationId), out _);
            cts.Dispose();
        }
    }

    private async Task RunRequestAsync(Connection connection, GrainId target, GrainRequest request, long correlationId, bool isOneWay, CancellationTokenSource? cts, object[]? attachments)
    {
        object? result = null;
        Exception? error = null;
        try
        {
            var handler = RequestHandler ?? throw new InvalidOperationException("This endpoint does not accept grain calls");
            var fromClient = connection.RemoteIdentity?.StartsWith("client/", StringComparison.Ordinal) == true;
            result = await handler.HandleAsync(target, request, fromClient).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }
        finally
        {
            if (cts is not null)
            {
                _incomingCancellations.TryRemove((connection, correlationId), out _);
                cts.Dispose();
            }
        }

        if (!isOneWay)
        {
            SendResponse(connection, correlationId, request, result, error);
        }
        else if (error is not null)
        {
            LogOneWayFailed(_logger, error, target.ToString(), request.MethodName);
        }

        // The arguments were borrowed for the call (a grain keeping one holds a Retain()ed handle).
        FrameCodec.ReleaseAttachments(attachments);
    }

    internal void SendResponse(Connection connection, long correlationId, GrainRequest? request, object? result, Exception? error)
    {
        if (connection.IsClosed)
        {
            (result as PooledBuffer)?.Dispose();
            return;
        }

        var header = new MessageHeader { Kind = MessageKind.Response, CorrelationId = correlationId, Status = error is null ? ResponseStatus.Ok : ResponseStatus.Error };
        PooledBufferWriter frame;
        try
        {
            frame = EncodeResponse(header, request, result, error);
        }
        catch (Exception ex)
        {
            header.Status = ResponseStatus.Error;
            frame = EncodeResponse(header, null, null, ex);
        }

        // A returned buffer passes to the caller: the frame holds its own handle now, the grain's goes.
        (result as PooledBuffer)?.Dispose();
        try
        {
            _ = connection.SendAsync(frame);
        }
        catch (SiloUnavailableException)
        {
        }
    }

    private PooledBufferWriter EncodeResponse(MessageHeader header, GrainRequest? request, object? result, Exception? error)
    {
        var frame = FrameCodec.Begin(header);
        try
        {
            var writer = new Writer(frame);
            if (error is not null)
            {
                Codec<Exception>.Instance.WriteField(ref writer, 0, error);
            }
            else
            {
                request?.WriteResult(ref writer, result);
            }

            writer.Commit();
            var length = FrameCodec.Finish(frame);
            if (length > _options.MaxMessageSize)
            {
                throw new MessageTooLargeException($"Response of {length} bytes exceeds the maximum message size of {_options.MaxMessageSize} bytes");
            }

            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }
}
