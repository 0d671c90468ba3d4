using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// Receiving: one loop reads the socket and dispatches every whole frame it holds, on the thread the read completed
/// on (no hand-off to a second loop). Small frames are parsed in place from a shared buffer. A frame with attachments
/// has them allocated from its head and filled as the bytes arrive (no reassembly, no pipe segments); another frame
/// larger than the buffer gets one pooled array of its own, filled straight from the socket. Oversize frames are
/// answered from their header and skipped.
/// </summary>
internal sealed partial class Connection
{
    /// <summary>Shared receive buffer; frames that do not fit are read into their own array.</summary>
    internal const int ReceiveBufferSize = 64 * 1024;

    /// <summary>Attachments are received through a pooled buffer this large (big reads, pages already in memory).</summary>
    private const int StagingBufferSize = 1024 * 1024;

    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        var start = 0;
        var end = 0;
        var frames = 0;
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
                        DispatchContiguous(buffer.AsSpan(start + FrameCodec.PrefixSize, length));
                        start += total;
                        frames++;
                        continue;
                    }

                    if (end - start < FrameCodec.PrefixSize + 2)
                    {
                        break;
                    }

                    if ((buffer[start + FrameCodec.PrefixSize + 1] & FrameCodec.AttachmentsFlag) != 0)
                    {
                        // Attachments are read straight into their final arrays once the head (header, table, body) is here.
                        var received = buffer.AsSpan(start + FrameCodec.PrefixSize, end - start - FrameCodec.PrefixSize);
                        if (FrameCodec.TryReadHead(received, length, out var head, out var table))
                        {
                            await ReceiveAttachmentsAsync(buffer, start + FrameCodec.PrefixSize, end, head, table).ConfigureAwait(false);
                            start = end = 0;
                            continue;
                        }

                        if (end - start < buffer.Length)
                        {
                            break;
                        }
                    }
                    else if (total <= buffer.Length)
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

                SocketStatistics.RecordReceive(frames);
                frames = 0;
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

            DispatchContiguous(frame.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>
    /// A frame whose head is in the buffer at <paramref name="frameStart"/> and whose attachments are (mostly) still
    /// on the socket: the final arrays are allocated from the table and filled from the socket directly.
    /// </summary>
    private async Task ReceiveAttachmentsAsync(byte[] buffer, int frameStart, int end, int head, (Serialization.AttachmentKind Kind, int Length)[] table)
    {
        var arrays = FrameCodec.AllocateAttachments(table, out var targets);
        var position = frameStart + head;
        byte[]? staging = null;
        try
        {
            for (var i = 0; i < targets.Length; i++)
            {
                var target = targets[i];
                var filled = Math.Min(end - position, target.Length);
                buffer.AsSpan(position, filled).CopyTo(target.Span);
                position += filled;
                if (table[i].Kind == Serialization.AttachmentKind.Pooled)
                {
                    // Pooled memory is warm (touched by earlier use): the kernel fills it directly, no staging copy.
                    while (filled < target.Length)
                    {
                        var read = await _socket.ReceiveAsync(target[filled..], SocketFlags.None, _closing.Token).ConfigureAwait(false);
                        if (read == 0)
                        {
                            throw new SiloUnavailableException($"Connection to {RemoteIdentity ?? "peer"} closed in the middle of a message");
                        }

                        filled += read;
                    }
                }

                while (filled < target.Length)
                {
                    staging ??= ArrayPool<byte>.Shared.Rent(StagingBufferSize);

                    // Through a pooled, already-touched buffer in big reads: on this VM the kernel filling the new
                    // array's untouched pages itself, or 64 KiB reads, cost about twice the CPU per MiB.
                    var read = await _socket.ReceiveAsync(staging.AsMemory(0, Math.Min(target.Length - filled, staging.Length)), SocketFlags.None, _closing.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new SiloUnavailableException($"Connection to {RemoteIdentity ?? "peer"} closed in the middle of a message");
                    }

                    staging.AsSpan(0, read).CopyTo(target.Span[filled..]);
                    filled += read;
                }
            }
        }
        finally
        {
            if (staging is not null)
            {
                ArrayPool<byte>.Shared.Return(staging);
            }
        }

        Dispatch(buffer.AsSpan(frameStart, head), arrays);
    }

    /// <summary>A whole frame in one span; attachments (if any) are copied out of it into their own arrays.</summary>
    private void DispatchContiguous(ReadOnlySpan<byte> frame)
    {
        if ((frame[1] & FrameCodec.AttachmentsFlag) == 0)
        {
            Dispatch(frame, null);
            return;
        }

        if (!FrameCodec.TryReadHead(frame, frame.Length, out var head, out var table))
        {
            throw new Serialization.SerializationException("Frame head runs past the end of the frame");
        }

        var arrays = FrameCodec.AllocateAttachments(table, out var targets);
        var position = head;
        foreach (var target in targets)
        {
            frame.Slice(position, target.Length).CopyTo(target.Span);
            position += target.Length;
        }

        Dispatch(frame[..head], arrays);
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

    private void Dispatch(ReadOnlySpan<byte> head, object[]? attachments)
    {
        var body = FrameCodec.Read(head, out var header);
        header.Attachments = attachments;
        RuntimeMetrics.RecordReceived(head.Length + FrameCodec.PrefixSize);
        _handler.OnMessage(this, header, body);
    }
}
