using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Serialization;
using DistInfer.Runtime.Serialization.Codecs;

namespace DistInfer.Runtime.Tests.Unit;

/// <summary>
/// The connection's framing on a real loopback socket against a raw peer: frames split across reads, frames larger
/// than the receive buffer, oversize frames skipped, and attachments sent as the same bytes a copy would produce.
/// </summary>
public sealed class ConnectionFramingTests : IAsyncLifetime
{
    private readonly RecordingHandler _handler = new();
    private Socket _peer = null!;
    private Connection _connection = null!;

    public async Task InitializeAsync() => await ConnectAsync(new MessagingOptions { MaxMessageSize = 100_000 });

    public Task DisposeAsync()
    {
        _connection.Close();
        _peer.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Receive_FramesSplitAcrossReadsAndLargerThanBuffer_DispatchedWhole()
    {
        var bodies = new[] { 10, Connection.ReceiveBufferSize + 5_000, 3, 90_000, 0 }.Select((n, i) => PayloadBytes(n, i)).ToArray();
        var wire = bodies.SelectMany((body, i) => Frame(MessageKind.Request, i + 1, body)).ToArray();

        // Odd chunk sizes so length prefixes, headers and bodies all straddle reads.
        var offset = 0;
        foreach (var chunk in ChunkSizes())
        {
            var n = Math.Min(chunk, wire.Length - offset);
            await _peer.SendAsync(wire.AsMemory(offset, n));
            offset += n;
            if (offset == wire.Length)
            {
                break;
            }
        }

        for (var i = 0; i < bodies.Length; i++)
        {
            var (id, body) = await _handler.Messages.Reader.ReadAsync();
            Assert.Equal(i + 1, id);
            Assert.Equal(bodies[i], body);
        }
    }

    [Fact]
    public async Task Receive_OversizeFrame_AnsweredFromHeaderSkippedAndNextFrameDispatched()
    {
        var big = Frame(MessageKind.Request, 7, PayloadBytes(250_000, 1));
        var next = Frame(MessageKind.Request, 8, PayloadBytes(20, 2));
        await _peer.SendAsync(big.AsMemory(0, 40));
        var (oversizeId, length) = await _handler.Oversize.Reader.ReadAsync();
        Assert.Equal(7, oversizeId);
        Assert.Equal(big.Length - FrameCodec.PrefixSize, length);
        await _peer.SendAsync(big.AsMemory(40));
        await _peer.SendAsync(next);
        var (id, body) = await _handler.Messages.Reader.ReadAsync();
        Assert.Equal(8, id);
        Assert.Equal(PayloadBytes(20, 2), body);
        Assert.False(_connection.IsClosed);
    }

    [Fact]
    public async Task Send_FrameWithAttachments_SameWireBytesAsCopiedFrame()
    {
        var bytes = PayloadBytes(PayloadThresholds.AttachBytes + 11, 3);
        var floats = Enumerable.Range(0, 20_000).Select(i => i * 0.5f).ToArray();
        var attached = Encode(borrow: true, bytes, floats);
        Assert.True(attached.HasAttachments);
        var expected = Encode(borrow: false, bytes, floats);
        Assert.False(expected.HasAttachments);
        var wire = expected.WrittenSpan.ToArray();
        expected.Dispose();

        await _connection.SendAsync(attached);
        var received = new byte[wire.Length];
        for (var filled = 0; filled < received.Length;)
        {
            filled += await _peer.ReceiveAsync(received.AsMemory(filled));
        }

        Assert.Equal(wire, received);
    }

    [Fact]
    public void Writer_SmallOrMutableArrays_CopiedIntoFrame()
    {
        using var frame = FrameCodec.Begin(new MessageHeader { Kind = MessageKind.Request, Target = new GrainId("t", "k") });
        var writer = new Writer(frame);
        Codec<byte[]>.Instance.WriteField(ref writer, 0, new byte[PayloadThresholds.AttachBytes]);
        writer.MayBorrow = true;
        Codec<byte[]>.Instance.WriteField(ref writer, 1, new byte[PayloadThresholds.AttachBytes - 1]);
        writer.Commit();
        Assert.False(frame.HasAttachments);
        Assert.Equal(frame.WrittenCount, frame.TotalLength);
    }

    private static PooledBufferWriter Encode(bool borrow, byte[] bytes, float[] floats)
    {
        var frame = FrameCodec.Begin(new MessageHeader { Kind = MessageKind.Request, CorrelationId = 5, Target = new GrainId("type", "key") });
        var writer = new Writer(frame) { MayBorrow = borrow };
        Codec<byte[]>.Instance.WriteField(ref writer, 0, bytes);
        Codec<int>.Instance.WriteField(ref writer, 1, 42);
        Codec<float[]>.Instance.WriteField(ref writer, 2, floats);
        Codec<string>.Instance.WriteField(ref writer, 3, "tail");
        writer.Commit();
        FrameCodec.Finish(frame);
        return frame;
    }

    private static IEnumerable<int> ChunkSizes()
    {
        int[] pattern = [1, 2, 3, 29, 1, 4_000, 70_000, 7, 100_000];
        while (true)
        {
            foreach (var n in pattern)
            {
                yield return n;
            }
        }
    }

    private static byte[] PayloadBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A frame as it appears on the wire: prefix, header, then <paramref name="body"/>.</summary>
    private static byte[] Frame(MessageKind kind, long correlationId, byte[] body)
    {
        using var frame = FrameCodec.Begin(new MessageHeader { Kind = kind, CorrelationId = correlationId, Target = new GrainId("type", "key") });
        body.CopyTo(frame.GetSpan(body.Length));
        frame.Advance(body.Length);
        FrameCodec.Finish(frame);
        var wire = frame.WrittenSpan.ToArray();
        Assert.Equal(wire.Length - FrameCodec.PrefixSize, BinaryPrimitives.ReadInt32LittleEndian(wire));
        return wire;
    }

    private async Task ConnectAsync(MessagingOptions options)
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndPoint!);
        _peer = await accept;
        _connection = new Connection(client, _handler, options);
        _connection.Start();
    }

    private sealed class RecordingHandler : IConnectionHandler
    {
        public System.Threading.Channels.Channel<(long Id, byte[] Body)> Messages { get; } = System.Threading.Channels.Channel.CreateUnbounded<(long, byte[])>();

        public System.Threading.Channels.Channel<(long Id, long Length)> Oversize { get; } = System.Threading.Channels.Channel.CreateUnbounded<(long, long)>();

        public ConcurrentQueue<Exception?> Closed { get; } = new();

        public void OnMessage(Connection connection, in MessageHeader header, ReadOnlySpan<byte> body) =>
            Messages.Writer.TryWrite((header.CorrelationId, body.ToArray()));

        public void OnOversizeMessage(Connection connection, in MessageHeader header, long length)
        {
            if (length > 0)
            {
                Oversize.Writer.TryWrite((header.CorrelationId, length));
            }
        }

        public void OnClosed(Connection connection, Exception? error) => Closed.Enqueue(error);
    }
}
