using System.Net.Sockets;
using System.Runtime.InteropServices;
using DistInfer.Runtime.Serialization;

namespace DistInfer.Runtime.Messaging;

/// <summary>
/// Sending: frames queued by callers are drained in batches into one gathered socket send per batch. A frame's
/// attachments (large immutable payloads) become segments of that send, so they are never copied in user space.
/// </summary>
internal sealed partial class Connection
{
    private async Task SendLoopAsync()
    {
        var batch = new List<PooledBufferWriter>(_options.MaxBatchFrames);
        var segments = new List<ArraySegment<byte>>(_options.MaxBatchFrames);
        Exception? error = null;
        try
        {
            while (await _outbound.Reader.WaitToReadAsync(_closing.Token).ConfigureAwait(false))
            {
                await _writeLock.WaitAsync(_closing.Token).ConfigureAwait(false);
                long bytes = 0;
                while (batch.Count < _options.MaxBatchFrames && _outbound.Reader.TryRead(out var frame))
                {
                    Interlocked.Decrement(ref _queuedFrames);
                    batch.Add(frame);
                    bytes += frame.TotalLength;
                    if (!frame.HasAttachments)
                    {
                        segments.Add(frame.WrittenSegment);
                    }
                    else
                    {
                        await AddAttachedAsync(frame, segments).ConfigureAwait(false);
                    }
                }

                // One gathered send per batch: the "flush once per batch" of the protocol.
                await SendGatheredAsync(segments).ConfigureAwait(false);
                RuntimeMetrics.RecordSent(bytes, batch.Count);
                SocketStatistics.RecordSend(batch.Count);
                foreach (var frame in batch)
                {
                    frame.Dispose();
                }

                batch.Clear();
                _writeLock.Release();
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

    /// <summary>
    /// Writes a frame on the caller's thread (the write lock is held and released here): a send that completes at
    /// once costs the caller one system call and nobody a thread wake-up; one that cannot finishes asynchronously.
    /// A failure closes the connection, as it does in the send loop.
    /// </summary>
    private ValueTask WriteThrough(PooledBufferWriter frame)
    {
        Interlocked.Increment(ref _writtenThrough);
        ValueTask<int> pending;
        try
        {
            pending = _socket.SendAsync(frame.WrittenMemory, SocketFlags.None, _closing.Token);
        }
        catch (Exception ex)
        {
            frame.Dispose();
            _writeLock.Release();
            Close(ex);
            return ValueTask.CompletedTask;
        }

        if (pending.IsCompletedSuccessfully && pending.Result == frame.WrittenCount)
        {
            RecordWrittenThrough(frame);
            frame.Dispose();
            _writeLock.Release();
            return ValueTask.CompletedTask;
        }

        return FinishWriteThroughAsync(pending, frame);
    }

    private async ValueTask FinishWriteThroughAsync(ValueTask<int> pending, PooledBufferWriter frame)
    {
        try
        {
            var sent = await pending.ConfigureAwait(false);
            while (sent < frame.WrittenCount)
            {
                sent += await _socket.SendAsync(frame.WrittenMemory[sent..], SocketFlags.None, _closing.Token).ConfigureAwait(false);
            }

            RecordWrittenThrough(frame);
        }
        catch (Exception ex)
        {
            Close(ex);
        }
        finally
        {
            frame.Dispose();
            _writeLock.Release();
        }
    }

    private static void RecordWrittenThrough(PooledBufferWriter frame)
    {
        RuntimeMetrics.RecordSent(frame.WrittenCount, 1);
        SocketStatistics.RecordSend(1);
    }

    /// <summary>Adds a frame's written bytes, then its attachments; memory not backed by a byte[] is sent on its own.</summary>
    private async ValueTask AddAttachedAsync(PooledBufferWriter frame, List<ArraySegment<byte>> segments)
    {
        segments.Add(frame.WrittenSegment);
        foreach (var attachment in frame.Attachments)
        {
            if (MemoryMarshal.TryGetArray(attachment.Bytes, out var array))
            {
                segments.Add(array);
                continue;
            }

            await SendGatheredAsync(segments).ConfigureAwait(false);
            for (var sent = 0; sent < attachment.Bytes.Length;)
            {
                sent += await _socket.SendAsync(attachment.Bytes[sent..], SocketFlags.None, _closing.Token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends every segment (one gathered send, repeated for whatever a partial send left); empties the list.</summary>
    private async ValueTask SendGatheredAsync(List<ArraySegment<byte>> segments)
    {
        long remaining = 0;
        foreach (var segment in segments)
        {
            remaining += segment.Count;
        }

        while (remaining > 0)
        {
            var sent = await _socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
            remaining -= sent;
            if (remaining > 0)
            {
                TrimSent(segments, sent);
            }
        }

        segments.Clear();
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
