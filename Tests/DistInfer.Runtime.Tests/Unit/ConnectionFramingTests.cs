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
/// than the receive buffer, oversize frames skipped, and frames with attachments (received straight into their arrays).
/// </summary>
public sealed class ConnectionFramingTests : IAsyncLifetime
{
    private readonly RecordingHandler _handler = new();
    private Socket _peer = null!;
    private Connection _connection = null!;

    public async Task InitializeAsync() => await ConnectAsync(new MessagingOptions { MaxMessageSize = 400_000 });

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
            var (id, body, _) = await _handler.Messages.Reader.ReadAsync();
            Assert.Equal(i + 1, id);
            Assert.Equal(bodies[i], body);
        }
    }

    [Fact]
    public async Task Receive_OversizeFrame_AnsweredFromHeaderSkippedAndNextFrameDispatched()
    {
        var big = Frame(MessageKind.Request, 7, PayloadBytes(500_000, 1));
        var next = Frame(MessageKind.Request, 8, PayloadBytes(20, 2));
        await _peer.SendAsync(big.AsMemory(0, 40));
        var (oversizeId, length) = await _handler.Oversize.Reader.ReadAsync();
        Assert.Equal(7, oversizeId);
        Assert.Equal(big.Length - FrameCodec.PrefixSize, length);
        await _peer.SendAsync(big.AsMemory(40));
        await _peer.SendAsync(next);
        var (id, body, _) = await _handler.Messages.Reader.ReadAsync();
        Assert.Equal(8, id);
        Assert.Equal(PayloadBytes(20, 2), body);
        Assert.False(_connection.IsClosed);
    }

    [Fact]
    public async Task Receive_AttachmentFrameSplitAcrossReads_ArraysFilledAndDecoded()
    {
        var bytes = PayloadBytes((3 * Connection.ReceiveBufferSize) + 7, 3);
        var floats = Enumerable.Range(0, 30_000).Select(i => i * 0.25f).ToArray();
        using var frame = Encode(borrow: true, bytes, floats);
        Assert.True(frame.HasAttachments);
        var wire = Wire(frame);
        var next = Frame(MessageKind.Request, 9, PayloadBytes(5, 4));
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

        await _peer.SendAsync(next);
        AssertDecoded(await _handler.Messages.Reader.ReadAsync(), bytes, floats);
        Assert.Equal(9, (await _handler.Messages.Reader.ReadAsync()).Id);
    }

    [Fact]
    public async Task Receive_AttachmentFrameInOneWrite_ArraysCopiedOutAndDecoded()
    {
        var bytes = PayloadBytes(PayloadThresholds.AttachBytes, 5);
        var floats = Enumerable.Range(0, PayloadThresholds.AttachBytes / sizeof(float)).Select(i => -i * 1.5f).ToArray();
        using var frame = Encode(borrow: false, bytes, floats);
        Assert.Equal(2, frame.Attachments.Count);
        await _peer.SendAsync(Wire(frame));
        AssertDecoded(await _handler.Messages.Reader.ReadAsync(), bytes, floats);
    }

    [Fact]
    public async Task Send_FrameWithAttachments_PeerConnectionDecodesSameValues()
    {
        var receiverHandler = new RecordingHandler();
        var receiver = new Connection(_peer, receiverHandler, new MessagingOptions());
        receiver.Start();
        try
        {
            var bytes = PayloadBytes(200_000, 6);
            var floats = Enumerable.Range(0, 50_000).Select(i => i * 0.5f).ToArray();
            await _connection.SendAsync(Encode(borrow: true, bytes, floats));
            await _connection.SendAsync(Encode(borrow: false, bytes, floats));
            AssertDecoded(await receiverHandler.Messages.Reader.ReadAsync(), bytes, floats);
            AssertDecoded(await receiverHandler.Messages.Reader.ReadAsync(), bytes, floats);
        }
        finally
        {
            receiver.Close();
        }
    }

    [Fact]
    public async Task SendAsync_IdleConnection_SendingThreadWritesTheFrame()
    {
        var wire = Frame(MessageKind.Request, 9, PayloadBytes(100, 9));
        var frame = new PooledBufferWriter();
        wire.CopyTo(frame.GetSpan(wire.Length));
        frame.Advance(wire.Length);

        // Nothing queued and nobody writing: this thread writes the frame itself, before SendAsync returns.
        var sent = _connection.SendAsync(frame);
        Assert.True(sent.IsCompletedSuccessfully);
        Assert.Equal(1, _connection.WrittenThroughFrames);

        var received = new byte[wire.Length];
        Assert.Equal(wire.Length, await _peer.ReceiveAsync(received));
        Assert.Equal(wire, received);
    }

    [Fact]
    public async Task SendAsync_ConcurrentSendersSomeWithAttachments_EveryFrameArrivesWholeInEachSendersOrder()
    {
        var receiverHandler = new RecordingHandler();
        var receiver = new Connection(_peer, receiverHandler, new MessagingOptions());
        receiver.Start();
        try
        {
            // Frames with attachments always go through the send loop, small ones are written through when the
            // connection is idle: the two paths must never interleave bytes or reorder one sender's frames.
            const int Senders = 4, PerSender = 50;
            var bytes = PayloadBytes(PayloadThresholds.AttachBytes + 1000, 3);
            var floats = Enumerable.Range(0, 20_000).Select(i => i * 0.25f).ToArray();
            await Task.WhenAll(Enumerable.Range(0, Senders).Select(s => Task.Run(async () =>
            {
                for (var i = 0; i < PerSender; i++)
                {
                    var id = (s * 1000) + i;
                    await _connection.SendAsync(i % 5 == 0 ? EncodeWithId(id, bytes, floats) : SmallFrame(id));
                }
            })));

            var last = new int[Senders];
            Array.Fill(last, -1);
            for (var n = 0; n < Senders * PerSender; n++)
            {
                var (id, body, attachments) = await receiverHandler.Messages.Reader.ReadAsync();
                var (sender, index) = ((int)id / 1000, (int)id % 1000);
                Assert.Equal(last[sender] + 1, index);
                last[sender] = index;
                if (index % 5 == 0)
                {
                    AssertDecoded((5, body, attachments), bytes, floats);
                }
                else
                {
                    Assert.Equal(PayloadBytes(64, (int)id), body);
                }
            }
        }
        finally
        {
            receiver.Close();
        }
    }

    [Fact]
    public async Task SendAsync_WriteThroughFillsTheSocket_LaterFramesWaitAndFollowInOrder()
    {
        // The peer reads nothing yet, so a 12 MB frame written through cannot finish at once: the writer keeps the
        // socket until it has, and the next frames go to the send loop behind it.
        var big = Frame(MessageKind.Request, 1, PayloadBytes(12 << 20, 1));
        var frame = new PooledBufferWriter(big.Length);
        big.CopyTo(frame.GetSpan(big.Length));
        frame.Advance(big.Length);
        var first = _connection.SendAsync(frame).AsTask();
        await _connection.SendAsync(SmallFrame(2));
        await _connection.SendAsync(SmallFrame(3));
        Assert.Equal(1, _connection.WrittenThroughFrames);

        var receiverHandler = new RecordingHandler();
        var receiver = new Connection(_peer, receiverHandler, new MessagingOptions { MaxMessageSize = 16 << 20 });
        receiver.Start();
        try
        {
            await first;
            var (id1, body1, _) = await receiverHandler.Messages.Reader.ReadAsync();
            Assert.Equal(1, id1);
            Assert.Equal(PayloadBytes(12 << 20, 1), body1);
            Assert.Equal(2, (await receiverHandler.Messages.Reader.ReadAsync()).Id);
            Assert.Equal(3, (await receiverHandler.Messages.Reader.ReadAsync()).Id);
        }
        finally
        {
            receiver.Close();
        }
    }

    [Fact]
    public void Writer_LargeMutableArray_AttachedAsPooledCopy()
    {
        var bytes = PayloadBytes(PayloadThresholds.AttachBytes, 7);
        var original = bytes.ToArray();
        using var frame = FrameCodec.Begin(new MessageHeader { Kind = MessageKind.Request, Target = new GrainId("t", "k") });
        var writer = new Writer(frame);
        Codec<byte[]>.Instance.WriteField(ref writer, 0, bytes);
        writer.Commit();
        bytes[0] ^= 0xFF;
        Assert.Equal(original, frame.Attachments.Single().Bytes.ToArray());
    }

    [Fact]
    public void Writer_SmallArrays_CopiedInline()
    {
        using var frame = FrameCodec.Begin(new MessageHeader { Kind = MessageKind.Request, Target = new GrainId("t", "k") });
        var writer = new Writer(frame) { MayBorrow = true };
        Codec<byte[]>.Instance.WriteField(ref writer, 0, new byte[PayloadThresholds.AttachBytes - 1]);
        Codec<float[]>.Instance.WriteField(ref writer, 1, new float[(PayloadThresholds.AttachBytes / sizeof(float)) - 1]);
        writer.Commit();
        Assert.False(frame.HasAttachments);
        Assert.Equal(frame.WrittenCount, frame.TotalLength);
    }

    private static void AssertDecoded((long Id, byte[] Body, object[]? Attachments) message, byte[] bytes, float[] floats)
    {
        Assert.Equal(5, message.Id);
        var reader = new Reader(message.Body, message.Attachments);
        Assert.Equal(bytes, Codec<byte[]>.Instance.ReadValue(ref reader, reader.ReadTag().WireType));
        Assert.Equal(42, Codec<int>.Instance.ReadValue(ref reader, reader.ReadTag().WireType));
        Assert.Equal(floats, Codec<float[]>.Instance.ReadValue(ref reader, reader.ReadTag().WireType));
        Assert.Equal("tail", Codec<string>.Instance.ReadValue(ref reader, reader.ReadTag().WireType));
        Assert.True(reader.IsAtEnd);
    }

    /// <summary>What the connection sends for a frame: the written bytes, then each attachment.</summary>
    private static byte[] Wire(PooledBufferWriter frame)
    {
        var wire = new List<byte>(frame.WrittenSpan.ToArray());
        foreach (var attachment in frame.Attachments)
        {
            wire.AddRange(attachment.Bytes.ToArray());
        }

        Assert.Equal(frame.TotalLength, wire.Count);
        return [.. wire];
    }

    private static PooledBufferWriter Encode(bool borrow, byte[] bytes, float[] floats) => EncodeWithId(5, bytes, floats, borrow);

    private static PooledBufferWriter SmallFrame(long id)
    {
        var frame = FrameCodec.Begin(new MessageHeader { Kind = MessageKind.Request, CorrelationId = id, Target = new GrainId("type", "key") });
        var body = PayloadBytes(64, (int)id);
        body.CopyTo(frame.GetSpan(body.Length));
        frame.Advance(body.Length);
        FrameCodec.Finish(frame);
        return frame;
    }

    private static PooledBufferWriter EncodeWithId(long id, byte[] bytes, float[] floats, bool borrow = true)
    {
        var frame = FrameCodec.Begin(new MessageHeader { Kind = MessageKind.Request, CorrelationId = id, Target = new GrainId("type", "key") });
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
        public System.Threading.Channels.Channel<(long Id, byte[] Body, object[]? Attachments)> Messages { get; } = System.Threading.Channels.Channel.CreateUnbounded<(long, byte[], object[]?)>();

        public System.Threading.Channels.Channel<(long Id, long Length)> Oversize { get; } = System.Threading.Channels.Channel.CreateUnbounded<(long, long)>();

        public ConcurrentQueue<Exception?> Closed { get; } = new();

        public void OnMessage(Connection connection, in MessageHeader header, ReadOnlySpan<byte> body) =>
            Messages.Writer.TryWrite((header.CorrelationId, body.ToArray(), header.Attachments));

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
