using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Serialization;

namespace DistInfer.Runtime.Tests.Unit;

/// <summary>Ownership rules of <see cref="PooledBuffer"/>: memory goes back to the pool exactly once, after the last handle.</summary>
public sealed class PooledBufferTests
{
    [Fact]
    public void Dispose_LastOfSeveralHandles_ReturnsMemoryExactlyOnce()
    {
        var first = PooledBuffer.CopyOf(new byte[] { 1, 2, 3 }.AsSpan());
        var second = first.Retain();
        var third = second.Retain();

        first.Dispose();
        first.Dispose();
        second.Dispose();
        Assert.Equal(0, third.ReturnsToPool);
        Assert.Equal(new byte[] { 1, 2, 3 }, third.Span.ToArray());

        third.Dispose();
        third.Dispose();
        Assert.Equal(1, third.ReturnsToPool);
    }

    [Fact]
    public void Span_DisposedHandle_ThrowsObjectDisposed()
    {
        var buffer = PooledBuffer.CopyOf(new byte[] { 9 }.AsSpan());
        using var kept = buffer.Retain();
        buffer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => buffer.Retain());
        Assert.Equal(9, kept.Span[0]);
    }

    [Fact]
    public void AsSpan_Floats_SeesLittleEndianValues()
    {
        float[] values = [1.5f, -2f, 3.25f];
        using var buffer = PooledBuffer.CopyOf<float>(values);

        Assert.Equal(12, buffer.Length);
        Assert.Equal(values, buffer.AsSpan<float>().ToArray());
    }

    [Fact]
    public void Create_FillsOnce_LengthAsAsked()
    {
        using var buffer = PooledBuffer.Create(5, (byte)7, static (span, value) => span.Fill(value));

        Assert.Equal(new byte[] { 7, 7, 7, 7, 7 }, buffer.Span.ToArray());
    }

    [Fact]
    public void FrameAttach_CallerDisposesBeforeSend_FrameKeepsDataUntilDisposed()
    {
        var data = Enumerable.Range(0, PayloadThresholds.AttachBytes).Select(i => (byte)i).ToArray();
        var buffer = PooledBuffer.CopyOf(data.AsSpan());
        var frame = FrameCodec.Begin(new MessageHeader { Kind = MessageKind.Request, Target = new GrainId("t", "k") });
        var writer = new Writer(frame);
        writer.WriteBufferField(0, buffer);
        writer.Commit();

        buffer.Dispose();
        Assert.Equal(0, buffer.ReturnsToPool);
        Assert.Equal(data, frame.Attachments[0].Bytes.ToArray());
        Assert.Equal(AttachmentKind.Pooled, frame.Attachments[0].Kind);

        frame.Dispose();
        Assert.Equal(1, buffer.ReturnsToPool);
    }

    [Fact]
    public void Serializer_SmallBuffer_RoundTripsInline()
    {
        using var buffer = PooledBuffer.CopyOf(new byte[] { 4, 5, 6 }.AsSpan());

        using var copy = Serializer.Deserialize<PooledBuffer>(Serializer.SerializeToArray(buffer));

        Assert.Equal(new byte[] { 4, 5, 6 }, copy.Span.ToArray());
    }
}
