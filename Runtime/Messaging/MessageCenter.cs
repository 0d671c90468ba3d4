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
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, (Connection Connection, TaskCompletionSource<bool> Answer)> _pings = new();
    private long _nextCorrelationId;

    public MessageCenter(MessagingOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
    }

    public IIncomingRequestHandler? RequestHandler { get; set; }

    public event Action<Connection, Exception?>? ConnectionClosed;

    public MessagingOptions Options => _options;

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

    public async ValueTask<object?> SendRequestAsync(Connection connection, GrainId target, GrainRequest request)
    {
        var timeout = request.ResponseTimeout ?? _options.ResponseTimeout;
        var id = Interlocked.Increment(ref _nextCorrelationId);
        var frame = EncodeRequest(MessageKind.Request, id, target, request, timeout);
        var call = new PendingCall(id, request, connection);
        _pending[id] = call;
        try
        {
            await connection.SendAsync(frame).ConfigureAwait(false);

            // Registered after the request is queued so a cancel frame can never overtake its request.
            if (request.CancellationToken.CanBeCanceled)
            {
                call.Cancellation = request.CancellationToken.UnsafeRegister(static state => ((MessageCenter)((object[])state!)[0]).SendCancel((PendingCall)((object[])state!)[1]), new object[] { this, call });
            }

            return await call.Task.WaitAsync(timeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Response did not arrive on time ({timeout}) for {target}.{request.MethodName}");
        }
        finally
        {
            _pending.TryRemove(id, out _);
            await call.Cancellation.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void SendOneWay(Connection connection, GrainId target, GrainRequest request)
    {
        var frame = EncodeRequest(MessageKind.OneWay, 0, target, request, TimeSpan.Zero);
        _ = connection.SendAsync(frame);
    }

    public static PooledBufferWriter EncodeControl(ControlCode code, long correlationId, string identity)
    {
        var header = new MessageHeader { Kind = MessageKind.Control, MethodId = (int)code, CorrelationId = correlationId, Target = new GrainId("sys.control", identity) };
        var frame = FrameCodec.Begin(header, 0);
        FrameCodec.Finish(frame);
        return frame;
    }

    public void OnMessage(Connection connection, in MessageHeader header, ReadOnlySpan<byte> body)
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
            call.TrySetException(error);
        }
    }

    public void OnClosed(Connection connection, Exception? error)
    {
        // Fail every call in flight on this connection now, not after its timeout.
        foreach (var pair in _pending)
        {
            if (ReferenceEquals(pair.Value.Connection, connection) && _pending.TryRemove(pair.Key, out var call))
            {
                call.TrySetException(new SiloUnavailableException(
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
            var reader = new Reader(body);
            if (header.Status == ResponseStatus.Ok)
            {
                call.TrySetResult(call.Request.ReadResult(ref reader));
            }
            else
            {
                var field = reader.ReadTag();
                call.TrySetException(Codec<Exception>.Instance.ReadValue(ref reader, field.WireType));
            }
        }
        catch (Exception ex)
        {
            call.TrySetException(ex);
        }
    }

    private void OnRequest(Connection connection, in MessageHeader header, ReadOnlySpan<byte> body)
    {
        var isOneWay = header.Kind == MessageKind.OneWay;
        var correlationId = header.CorrelationId;
        GrainRequest? request = null;
        try
        {
            if (!GrainTypeRegistry.TryGetInterface(header.InterfaceId, out var info))
            {
                throw new InvalidOperationException($"Unknown grain interface id {header.InterfaceId} for {header.Target}: no grain interface with that id is loaded on this silo");
            }

            request = info.RequestFactory(header.MethodId)
                ?? throw new InvalidOperationException($"Unknown method id {header.MethodId} on {info.Name}");
            var reader = new Reader(body);
            request.ReadArguments(ref reader);
        }
        catch (Exception ex)
        {
            if (!isOneWay)
            {
                SendResponse(connection, correlationId, null, null, ex);
            }

            return;
        }

        CancellationTokenSource? cts = null;
        if (request.HasCancellationToken && !isOneWay)
        {
            cts = new CancellationTokenSource();
            _incomingCancellations[(connection, correlationId)] = cts;
            request.SetCancellationToken(cts.Token);
        }

        _ = RunRequestAsync(connection, header.Target, request, correlationId, isOneWay, cts);
    }

    private async Task RunRequestAsync(Connection connection, GrainId target, GrainRequest request, long correlationId, bool isOneWay, CancellationTokenSource? cts)
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
    }

    private void SendResponse(Connection connection, long correlationId, GrainRequest? request, object? result, Exception? error)
    {
        if (connection.IsClosed)
        {
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped an oversize message of {Length} bytes from {Peer}")]
    private static partial void LogOversize(ILogger logger, long length, string? peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "One-way call {Target}.{Method} failed")]
    private static partial void LogOneWayFailed(ILogger logger, Exception error, string target, string method);
}
