using System.Buffers;
using System.Net.Sockets;

namespace DistInfer.Runtime.Messaging;

/// <summary>Receiving: socket → pipe → frames (oversize frames answered from their header and skipped).</summary>
internal sealed partial class Connection
{
    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                // A large frame in progress is received in big reads (fewer syscalls and wake-ups).
                var memory = _input.Writer.GetMemory(Math.Clamp(Volatile.Read(ref _expectedBytes), ReceiveChunk, 8 * 1024 * 1024));
                var read = await _socket.ReceiveAsync(memory, SocketFlags.None, _closing.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                _input.Writer.Advance(read);
                var flush = await _input.Writer.FlushAsync(_closing.Token).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            error = ex;
        }

        await _input.Writer.CompleteAsync().ConfigureAwait(false);
        Close(error ?? new SiloUnavailableException($"Connection to {RemoteIdentity ?? "peer"} closed by the peer"));
    }

    private async Task ProcessLoopAsync()
    {
        try
        {
            while (true)
            {
                var result = await _input.Reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryProcessFrame(ref buffer))
                {
                }

                _input.Reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            Close(ex);
        }

        await _input.Reader.CompleteAsync().ConfigureAwait(false);
    }

    private bool TryProcessFrame(ref ReadOnlySequence<byte> buffer)
    {
        if (_skipRemaining > 0)
        {
            var n = Math.Min(_skipRemaining, buffer.Length);
            buffer = buffer.Slice(n);
            _skipRemaining -= n;
            if (_skipRemaining > 0)
            {
                return false;
            }

            _handler.OnOversizeMessage(this, _skipped, 0);
            return true;
        }

        if (!FrameCodec.TryReadLength(buffer, out var length))
        {
            return false;
        }

        if (length < 0 || length > _options.MaxMessageSize)
        {
            // Answer from the fixed header, then drop exactly 'length' bytes; the connection stays usable.
            if (buffer.Length < FrameCodec.PrefixSize + FrameCodec.FixedHeaderSize)
            {
                return false;
            }

            Span<byte> fixedPart = stackalloc byte[FrameCodec.FixedHeaderSize];
            buffer.Slice(FrameCodec.PrefixSize, FrameCodec.FixedHeaderSize).CopyTo(fixedPart);
            _skipped = FrameCodec.ReadFixed(fixedPart);
            _handler.OnOversizeMessage(this, _skipped, length);
            _skipped = default;
            buffer = buffer.Slice(FrameCodec.PrefixSize);
            _skipRemaining = (uint)length;
            return true;
        }

        if (buffer.Length < FrameCodec.PrefixSize + length)
        {
            Volatile.Write(ref _expectedBytes, (int)(FrameCodec.PrefixSize + length - buffer.Length));
            return false;
        }

        Volatile.Write(ref _expectedBytes, 0);

        var frame = buffer.Slice(FrameCodec.PrefixSize, length);
        if (frame.IsSingleSegment)
        {
            Dispatch(frame.FirstSpan);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                frame.CopyTo(rented);
                Dispatch(rented.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        buffer = buffer.Slice(FrameCodec.PrefixSize + length);
        return true;
    }

    private void Dispatch(ReadOnlySpan<byte> frame)
    {
        var body = FrameCodec.Read(frame, out var header);
        RuntimeMetrics.RecordReceived(frame.Length + FrameCodec.PrefixSize);
        _handler.OnMessage(this, header, body);
    }
}
