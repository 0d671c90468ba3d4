using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;
using DistInfer.Runtime.Serialization;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// One TCP connection carrying frames both ways. Inbound: socket → frame parser (Connection.Receive.cs).
/// Outbound: a single-reader channel drained in batches into one gathered socket send per batch; senders wait while
/// more than the pause threshold is queued.
/// </summary>
internal sealed partial class Connection
{
    private readonly Socket _socket;
    private readonly IConnectionHandler _handler;
    private readonly MessagingOptions _options;
    private readonly Channel<PooledBufferWriter> _outbound = Channel.CreateUnbounded<PooledBufferWriter>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _resumeLock = new();

    // Held by whoever writes to the socket: the send loop for a batch, or a sender writing through (Connection.Send.cs).
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private TaskCompletionSource? _resume;
    private long _queuedBytes;
    private int _queuedFrames;
    private long _writtenThrough;
    private int _closeStarted;

    public Connection(Socket socket, IConnectionHandler handler, MessagingOptions options)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _handler = handler;
        _options = options;
        if (options.KeepAliveIdle > TimeSpan.Zero)
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            _socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, Math.Max(1, (int)options.KeepAliveIdle.TotalSeconds));
            _socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 1);
            _socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 5);
        }
    }

    /// <summary>The peer's identity from its Hello frame (silo address text or "client/...").</summary>
    public string? RemoteIdentity { get; set; }

    public object? Tag { get; set; }

    /// <summary>Set when the peer is from another cluster: its requests are answered with this error.</summary>
    public string? RejectReason { get; set; }

    public Task Closed => _closed.Task;

    /// <summary>Frames the sending thread wrote itself (<see cref="MessagingOptions.WriteThroughWhenIdle"/>).</summary>
    public long WrittenThroughFrames => Interlocked.Read(ref _writtenThrough);

    public bool IsClosed => Volatile.Read(ref _closeStarted) != 0;

    public void Start()
    {
        _ = ReceiveLoopAsync();
        _ = SendLoopAsync();
    }

    /// <summary>Queues a finished frame; the connection owns (and disposes) it from here.</summary>
    public ValueTask SendAsync(PooledBufferWriter frame)
    {
        if (IsClosed)
        {
            frame.Dispose();
            throw new SiloUnavailableException($"Connection to {RemoteIdentity ?? "peer"} is closed");
        }

        if (_options.WriteThroughWhenIdle && !frame.HasAttachments && Volatile.Read(ref _queuedFrames) == 0 && _writeLock.Wait(0))
        {
            // Nothing queued before this frame and nobody writing: no frame can be overtaken.
            if (Volatile.Read(ref _queuedFrames) == 0)
            {
                return WriteThrough(frame);
            }

            _writeLock.Release();
        }

        var queued = Interlocked.Add(ref _queuedBytes, frame.TotalLength);
        Interlocked.Increment(ref _queuedFrames);
        if (!_outbound.Writer.TryWrite(frame))
        {
            Interlocked.Decrement(ref _queuedFrames);
            frame.Dispose();
            throw new SiloUnavailableException($"Connection to {RemoteIdentity ?? "peer"} is closed");
        }

        return queued > _options.SendPauseThreshold ? WaitForResumeAsync() : ValueTask.CompletedTask;
    }

    public void Close(Exception? error = null)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
        {
            return;
        }

        _closing.Cancel();
        _outbound.Writer.TryComplete();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        while (_outbound.Reader.TryRead(out var frame))
        {
            frame.Dispose();
        }

        ReleaseWaiters();
        _handler.OnClosed(this, error);
        _closed.TrySetResult();
    }

    private async ValueTask WaitForResumeAsync()
    {
        Task wait;
        lock (_resumeLock)
        {
            if (Volatile.Read(ref _queuedBytes) <= _options.SendResumeThreshold || IsClosed)
            {
                return;
            }

            _resume ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _resume.Task;
        }

        await wait.ConfigureAwait(false);
    }

    private void ReleaseWaiters()
    {
        TaskCompletionSource? resume;
        lock (_resumeLock)
        {
            resume = _resume;
            _resume = null;
        }

        resume?.TrySetResult();
    }
}
