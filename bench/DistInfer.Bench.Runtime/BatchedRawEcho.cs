using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace DistInfer.Bench.Runtime;

/// <summary>
/// A strong raw baseline: the client queues frames to one writer loop that sends everything queued in one write
/// (as the runtime batches), the server echoes whatever bytes arrive in one write, the client parses replies and
/// completes waiters in order.
/// </summary>
public sealed class BatchedRawEcho : IAsyncDisposable
{
    private readonly Socket _listener = new(SocketType.Stream, ProtocolType.Tcp);
    private readonly Socket _client = new(SocketType.Stream, ProtocolType.Tcp);
    private readonly Channel<(byte[] Frame, TaskCompletionSource Done)> _queue = Channel.CreateUnbounded<(byte[], TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Queue<TaskCompletionSource> _waiting = new();

    public async Task StartAsync()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _ = ServeAsync();
        await _client.ConnectAsync((IPEndPoint)_listener.LocalEndPoint!);
        _client.NoDelay = true;
        _ = WriteLoopAsync();
        _ = ReadLoopAsync();
    }

    public Task RoundTripAsync(byte[] frame)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Writer.TryWrite((frame, done));
        return done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        _client.Dispose();
        _listener.Dispose();
        await Task.CompletedTask;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new byte[1 << 16];
        try
        {
            while (await _queue.Reader.WaitToReadAsync())
            {
                var used = 0;
                while (used < batch.Length - 256 && _queue.Reader.TryRead(out var item))
                {
                    item.Frame.CopyTo(batch, used);
                    used += item.Frame.Length;
                    lock (_waiting)
                    {
                        _waiting.Enqueue(item.Done);
                    }
                }

                await _client.SendAsync(batch.AsMemory(0, used));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[1 << 16];
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await _client.ReceiveAsync(buffer.AsMemory(filled));
                if (read == 0)
                {
                    return;
                }

                filled += read;
                var offset = 0;
                while (filled - offset >= 4)
                {
                    var length = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(offset));
                    if (filled - offset < 4 + length)
                    {
                        break;
                    }

                    offset += 4 + length;
                    TaskCompletionSource done;
                    lock (_waiting)
                    {
                        done = _waiting.Dequeue();
                    }

                    done.SetResult();
                }

                buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                filled -= offset;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        using var socket = await _listener.AcceptAsync();
        socket.NoDelay = true;
        var buffer = new byte[1 << 16];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer);
                if (read == 0)
                {
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
