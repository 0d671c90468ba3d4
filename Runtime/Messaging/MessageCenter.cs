using System.Collections.Concurrent;
using DistInfer.Runtime.Invocation;
using DistInfer.Runtime.Serialization;
using DistInfer.Runtime.Serialization.Codecs;
using Microsoft.Extensions.Logging;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// Request/response over connections: correlation ids, pending calls, timeouts, cancellation messages, error
/// responses (with the exception's type and message), oversize handling, and failing calls at once on connection loss.
/// </summary>
internal sealed partial class MessageCenter : IConnectionHandler
{
    private readonly ConcurrentDictionary<long, PendingCall> _pending = new();
    private readonly ConcurrentDictionary<(Connection, long), CancellationTokenSource> _incomingCancellations = new();
    private readonly MessagingOptions _options;
    private readonly TimeProvider _time;
    private const string ControlPrefix = "sys.control.";
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, (Connection Connection, TaskCompletionSource<bool> Answer)> _pings = new();
    private long _nextCorrelationId;

    public MessageCenter(MessagingOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        Timeouts = new ResponseTimeouts(time);
    }

    public ResponseTimeouts Timeouts { get; }

    public IIncomingRequestHandler? RequestHandler { get; set; }

    /// <summary>Binds grain references found in decoded messages.</summary>
    public IGrainCallRuntime? CallRuntime { get; set; }

    public event Action<Connection, Exception?>? ConnectionClosed;

    public MessagingOptions Options => _options;

    /// <summary>This endpoint's cluster; a peer greeting with another cluster id gets its calls refused.</summary>
    public string ClusterId { get; set; } = string.Empty;

    public int PendingCount => _pending.Count;

    /// <summary>This endpoint's identity ("host:port@generation" on a silo); pings naming another one go unanswered.</summary>
    public string LocalIdentity { get; set; } = string.Empty;

    /// <summary>
    /// Sends a membership ping; true when the peer answered as <paramref name="expectedIdentity"/>. A lost
    /// connection fails it at once; cancellation (the probe timeout) abandons it.
    /// </summary>
    public async Task<bool> PingAsync(Connection connection, string expectedIdentity, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextCorrelationId);
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pings[id] = (connection, answer);
        try
        {
            await connection.SendAsync(EncodeControl(ControlCode.Ping, id, expectedIdentity)).ConfigureAwait(false);
            return await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pings.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Sends a request; the returned task is the pending call's own (no async wrapper), completed by the response, a
    /// timeout or the connection's loss. Failures before sending (oversize, closed connection) come back in the task.
    /// </summary>
    public ValueTask<object?> SendRequestAsync(Connection connection, GrainId target, GrainRequest request)
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
        _pending[id] = call;
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

    public static PooledBufferWriter EncodeControl(ControlCode code, long correlationId, string identity, string clusterId = "")
    {
        var header = new MessageHeader { Kind = MessageKind.Control, MethodId = (int)code, CorrelationId = correlationId, Target = new GrainId(ControlPrefix + clusterId, identity) };
        var frame = FrameCodec.Begin(header, 0);
        FrameCodec.Finish(frame);
        return frame;
    }

    public void OnMessage(Connection connection, in MessageHeader header, ReadOnlySpan<byte> body)
    {
        var previous = RuntimeContext.Set(CallRuntime);
        try
        {
            Dispatch(connection, header, body);
        }
        finally
        {
            RuntimeContext.Set(previous);
        }
    }

    private void Dispatch(Connection connection, in MessageHeader header, ReadOnlySpan<byte> body)
    {
        switch (header.Kind)
        {
            case MessageKind.Response:
                OnResponse(header, body);
                break;
            case MessageKind.Request:
            case MessageKind.OneWay:
                OnRequest(connection, header, body);
                break;
            case MessageKind.Control when header.MethodId == (int)ControlCode.Hello:
                connection.RemoteIdentity = header.Target.Key;
                var peerCluster = header.Target.Type.StartsWith(ControlPrefix, StringComparison.Ordinal) ? header.Target.Type[ControlPrefix.Length..] : string.Empty;
                if (ClusterId.Length > 0 && peerCluster.Length > 0 && peerCluster != ClusterId)
                {
                    connection.RejectReason = $"{header.Target.Key} belongs to cluster '{peerCluster}' but this silo is in cluster '{ClusterId}'";
                    LogClusterMismatch(_logger, connection.RejectReason);
                }

                break;
            case MessageKind.Control when header.MethodId == (int)ControlCode.Cancel:
                if (_incomingCancellations.TryGetValue((connection, header.CorrelationId), out var cts))
                {
                    cts.Cancel();
                }

                break;
            case MessageKind.Control when header.MethodId == (int)ControlCode.Ping:
                // A restarted silo on the same endpoint is another silo: it must not answer for the old one.
                if (header.Target.Key.Length == 0 || header.Target.Key == LocalIdentity)
                {
                    _ = SendPongAsync(connection, header.CorrelationId);
                }

                break;
            case MessageKind.Control when header.MethodId == (int)ControlCode.Pong:
                if (_pings.TryRemove(header.CorrelationId, out var ping))
                {
                    ping.Answer.TrySetResult(true);
                }

                break;
        }
    }

    private static async Task SendPongAsync(Connection connection, long correlationId)
    {
        try
        {
            await connection.SendAsync(EncodeControl(ControlCode.Pong, correlationId, string.Empty)).ConfigureAwait(false);
        }
        catch (SiloUnavailableException)
        {
            // The prober went away; it counts the probe itself.
        }
    }

    public void OnOversizeMessage(Connection connection, in MessageHeader header, long length)
    {
        if (length == 0)
        {
            return; // Skipping finished; the call was already answered when the frame started.
        }

        var error = new MessageTooLargeException($"Message of {length} bytes exceeds the maximum message size of {_options.MaxMessageSize} bytes");
        LogOversize(_logger, length, connection.RemoteIdentity);
        if (header.Kind == MessageKind.Request)
        {
            SendResponse(connection, header.CorrelationId, null, null, error);
        }
        else if (header.Kind == MessageKind.Response && _pending.TryRemove(header.CorrelationId, out var call))
        {
            call.Fail(error);
        }
    }

    public void OnClosed(Connection connection, Exception? error)
    {
        // Fail every call in flight on this connection now, not after its timeout.
        foreach (var pair in _pending)
        {
            if (ReferenceEquals(pair.Value.Connection, connection) && _pending.TryRemove(pair.Key, out var call))
            {
                call.Fail(new SiloUnavailableException(
                    $"Connection to {connection.RemoteIdentity ?? "peer"} was lost while calling {call.Request.MethodName}", error ?? new IOException("connection closed")));
            }
        }

        foreach (var pair in _pings)
        {
            if (ReferenceEquals(pair.Value.Connection, connection))
            {
                pair.Value.Answer.TrySetException(new SiloUnavailableException($"Connection to {connection.RemoteIdentity ?? "peer"} was lost during a probe"));
            }
        }

        foreach (var pair in _incomingCancellations)
        {
            if (ReferenceEquals(pair.Key.Item1, connection))
            {
                pair.Value.Cancel();
            }
        }

        ConnectionClosed?.Invoke(connection, error);
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
            return; // Timed out or cancelled already.
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
            call.Fail(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refusing calls: {Reason}")]
    private static partial void LogClusterMismatch(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped an oversize message of {Length} bytes from {Peer}")]
    private static partial void LogOversize(ILogger logger, long length, string? peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "One-way call {Target}.{Method} failed")]
    private static partial void LogOneWayFailed(ILogger logger, Exception error, string target, string method);
}
