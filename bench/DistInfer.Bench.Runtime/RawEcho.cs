using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DistInfer.Bench.Runtime;

/// <summary>
/// The baseline: length-prefixed frames over one loopback TCP connection, echoed (or acknowledged with 4 bytes for
/// payload runs) by a server loop; requests are pipelined like grain calls on one silo connection.
/// </summary>
public sealed class RawEcho : IAsyncDisposable
{
    private readonly Socket _listener = new(SocketType.Stream, ProtocolType.Tcp);
    private readonly Socket _client = new(SocketType.Stream, ProtocolType.Tcp);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Queue<TaskCompletionSource> _waiting = new();
    private readonly bool _acknowledgeOnly;
    private NetworkStream _stream = null!;

    public RawEcho(bool acknowledgeOnly)
    {
        _acknowledgeOnly = acknowledgeOnly;
    }

    public async Task StartAsync()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _ = ServeAsync();
        await _client.ConnectAsync((IPEndPoint)_listener.LocalEndPoint!);
        _client.NoDelay = true;
        _stream = new NetworkStream(_client);
        _ = ReadRepliesAsync();
    }

    public async Task RoundTripAsync(byte[] frame)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _sendLock.WaitAsync();
        try
        {
            lock (_waiting)
            {
                _waiting.Enqueue(done);
            }

            await _stream.WriteAsync(frame);
        }
        finally
        {
            _sendLock.Release();
        }

        await done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        _listener.Dispose();
        await Task.CompletedTask;
    }

    private async Task ReadRepliesAsync()
    {
        var prefix = new byte[4];
        var buffer = new byte[1 << 16];
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(prefix);
                var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
                if (buffer.Length < length)
                {
                    buffer = new byte[length];
                }

                await _stream.ReadExactlyAsync(buffer.AsMemory(0, length));
                TaskCompletionSource next;
                lock (_waiting)
                {
                    next = _waiting.Dequeue();
                }

                next.SetResult();
            }
        }
        catch (Exception) when (!_client.Connected)
        {
        }
        catch (IOException)
        {
        }
    }

    private async Task ServeAsync()
    {
        using var socket = await _listener.AcceptAsync();
        socket.NoDelay = true;
        using var stream = new NetworkStream(socket);
        var prefix = new byte[4];
        var buffer = new byte[1 << 16];
        var ack = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(ack, 4);
        try
        {
            while (true)
            {
                await stream.ReadExactlyAsync(prefix);
                var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
                if (buffer.Length < length + 4)
                {
                    buffer = new byte[length + 4];
                }

                await stream.ReadExactlyAsync(buffer.AsMemory(4, length));
                if (_acknowledgeOnly)
                {
                    await stream.WriteAsync(ack);
                }
                else
                {
                    prefix.CopyTo(buffer, 0);
                    await stream.WriteAsync(buffer.AsMemory(0, length + 4));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or SocketException)
        {
        }
    }
}
