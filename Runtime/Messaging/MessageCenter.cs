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
    private readonly PendingCalls _pending = new();
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
                else if (header.CorrelationId != _options.WireProtocolVersion)
                {
                    // The greeting carries the peer's wire protocol version in its correlation id (0 before versions).
                    connection.RejectReason = WireProtocol.Mismatch(header.Target.Key, header.CorrelationId, _options.WireProtocolVersion);
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
        foreach (var call in _pending.RemoveSentOn(connection))
        {
            call.Fail(new SiloUnavailableException(
                $"Connection to {connection.RemoteIdentity ?? "peer"} was lost while calling {call.Request.MethodName}", error ?? new IOException("connection closed")));
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refusing calls: {Reason}")]
    private static partial void LogClusterMismatch(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped an oversize message of {Length} bytes from {Peer}")]
    private static partial void LogOversize(ILogger logger, long length, string? peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "One-way call {Target}.{Method} failed")]
    private static partial void LogOneWayFailed(ILogger logger, Exception error, string target, string method);
}
