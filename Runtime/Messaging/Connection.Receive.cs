using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// Receiving: one loop reads the socket and dispatches every whole frame it holds, on the thread the read completed
/// on (no hand-off to a second loop). Small frames are parsed in place from a shared buffer; a frame larger than that
/// buffer gets one pooled array of its own, filled straight from the socket, so it is neither copied between pipe
/// segments nor reassembled. Oversize frames are answered from their header and skipped.
/// </summary>
internal sealed partial class Connection
{
    /// <summary>Shared receive buffer; frames that do not fit are read into their own array.</summary>
    internal const int ReceiveBufferSize = 64 * 1024;

    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        var start = 0;
        var end = 0;
        Exception? error = null;
        try
        {
            while (true)
            {
                while (end - start >= FrameCodec.PrefixSize)
                {
                    var length = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(start));
                    if (length < 0 || length > _options.MaxMessageSize)
                    {
                        if (end - start < FrameCodec.PrefixSize + FrameCodec.FixedHeaderSize)
                        {
                            break;
                        }

                        // Answer from the fixed header, then drop exactly 'length' bytes; the connection stays usable.
                        _handler.OnOversizeMessage(this, FrameCodec.ReadFixed(buffer.AsSpan(start + FrameCodec.PrefixSize, FrameCodec.FixedHeaderSize)), length);
                        start += FrameCodec.PrefixSize;
                        (start, end) = await SkipAsync(buffer, start, end, (uint)length).ConfigureAwait(false);
                        continue;
                    }

                    var total = FrameCodec.PrefixSize + length;
                    if (end - start >= total)
                    {
                        Dispatch(buffer.AsSpan(start + FrameCodec.PrefixSize, length));
                        start += total;
                        continue;
                    }

                    if (total <= buffer.Length)
                    {
                        break;
                    }

                    await ReceiveLargeAsync(buffer.AsMemory(start + FrameCodec.PrefixSize, end - start - FrameCodec.PrefixSize), length).ConfigureAwait(false);
                    start = end = 0;
                }

                if (start == end)
                {
                    start = end = 0;
                }
                else if (start > 0)
                {
                    // Move the partial frame to the front so the next read completes it.
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }

                var read = await _socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, _closing.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                end += read;
            }
        }
        catch (Exception ex)
        {
            error = ex;
        }

        ArrayPool<byte>.Shared.Return(buffer);
        Close(error ?? new SiloUnavailableException($"Connection to {RemoteIdentity ?? "peer"} closed by the peer"));
    }

    /// <summary>A frame larger than the shared buffer: one pooled array, the rest read straight into it.</summary>
    private async Task ReceiveLargeAsync(ReadOnlyMemory<byte> received, int length)
    {
        var frame = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            received.CopyTo(frame);
            var filled = received.Length;
            while (filled < length)
            {
                var read = await _socket.ReceiveAsync(frame.AsMemory(filled, length - filled), SocketFlags.None, _closing.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new SiloUnavailableException($"Connection to {RemoteIdentity ?? "peer"} closed in the middle of a message");
                }

                filled += read;
            }

            Dispatch(frame.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>Drops <paramref name="remaining"/> bytes (buffered ones first); returns the buffer's new bounds.</summary>
    private async Task<(int Start, int End)> SkipAsync(byte[] buffer, int start, int end, long remaining)
    {
        while (true)
        {
            var n = (int)Math.Min(remaining, end - start);
            start += n;
            remaining -= n;
            if (remaining == 0)
            {
                return (start, end);
            }

            var read = await _socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, _closing.Token).ConfigureAwait(false);
            if (read == 0)
            {
                throw new SiloUnavailableException($"Connection to {RemoteIdentity ?? "peer"} closed in the middle of a message");
            }

            start = 0;
            end = read;
        }
    }

    private void Dispatch(ReadOnlySpan<byte> frame)
    {
        var body = FrameCodec.Read(frame, out var header);
        RuntimeMetrics.RecordReceived(frame.Length + FrameCodec.PrefixSize);
        _handler.OnMessage(this, header, body);
    }
}
