using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using DistInfer.Runtime.Serialization;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// One TCP connection carrying frames both ways. Inbound: socket → Pipe (pause/resume thresholds) → frame parser.
/// Outbound: a single-reader channel drained in batches into one gathered socket send per batch; senders wait while
/// more than the pause threshold is queued.
/// </summary>
internal sealed partial class Connection
{
    private const int ReceiveChunk = 64 * 1024;
    private readonly Socket _socket;
    private readonly IConnectionHandler _handler;
    private readonly MessagingOptions _options;
    private readonly Pipe _input;
    private readonly Channel<PooledBufferWriter> _outbound = Channel.CreateUnbounded<PooledBufferWriter>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _resumeLock = new();
    private TaskCompletionSource? _resume;
    private long _queuedBytes;
    private long _skipRemaining;
    private int _expectedBytes;
    private MessageHeader _skipped;
    private int _closeStarted;

    public Connection(Socket socket, IConnectionHandler handler, MessagingOptions options)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _handler = handler;
        _options = options;
        var pause = (long)options.MaxMessageSize + (1024 * 1024);
        _input = new Pipe(new PipeOptions(pauseWriterThreshold: pause, resumeWriterThreshold: pause / 2, minimumSegmentSize: ReceiveChunk, useSynchronizationContext: false));
    }

    /// <summary>The peer's identity from its Hello frame (silo address text or "client/...").</summary>
    public string? RemoteIdentity { get; set; }

    public object? Tag { get; set; }

    /// <summary>Set when the peer is from another cluster: its requests are answered with this error.</summary>
    public string? RejectReason { get; set; }

    public Task Closed => _closed.Task;

    public bool IsClosed => Volatile.Read(ref _closeStarted) != 0;

    public void Start()
    {
        _ = ReceiveLoopAsync();
        _ = ProcessLoopAsync();
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

        var queued = Interlocked.Add(ref _queuedBytes, frame.WrittenCount);
        if (!_outbound.Writer.TryWrite(frame))
        {
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

    private async Task SendLoopAsync()
    {
        var batch = new List<PooledBufferWriter>(_options.MaxBatchFrames);
        var segments = new List<ArraySegment<byte>>(_options.MaxBatchFrames);
        Exception? error = null;
        try
        {
            while (await _outbound.Reader.WaitToReadAsync(_closing.Token).ConfigureAwait(false))
            {
                long bytes = 0;
                while (batch.Count < _options.MaxBatchFrames && _outbound.Reader.TryRead(out var frame))
                {
                    batch.Add(frame);
                    segments.Add(frame.WrittenSegment);
                    bytes += frame.WrittenCount;
                }

                // One gathered send per batch: the "flush once per batch" of the protocol.
                var remaining = bytes;
                while (remaining > 0)
                {
                    var sent = await _socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
                    remaining -= sent;
                    if (remaining > 0)
                    {
                        TrimSent(segments, sent);
                    }
                }

                RuntimeMetrics.RecordSent(bytes, batch.Count);
                foreach (var frame in batch)
                {
                    frame.Dispose();
                }

                batch.Clear();
                segments.Clear();
                if (Interlocked.Add(ref _queuedBytes, -bytes) <= _options.SendResumeThreshold)
                {
                    ReleaseWaiters();
                }
            }
        }
        catch (Exception ex)
        {
            error = ex;
        }

        foreach (var frame in batch)
        {
            frame.Dispose();
        }

        Close(error);
    }

    private static void TrimSent(List<ArraySegment<byte>> segments, int sent)
    {
        while (sent > 0 && segments.Count > 0)
        {
            var first = segments[0];
            if (sent >= first.Count)
            {
                sent -= first.Count;
                segments.RemoveAt(0);
            }
            else
            {
                segments[0] = first.Slice(sent);
                sent = 0;
            }
        }
    }
}
