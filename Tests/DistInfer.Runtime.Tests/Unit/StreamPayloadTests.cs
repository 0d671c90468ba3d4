using DistInfer.Runtime.Streams;
using DistInfer.Runtime.Tests.Grains;

namespace DistInfer.Runtime.Tests.Unit;

/// <summary>A stream item's payload: [Immutable] items shared until a delivery leaves the silo, others serialized at once.</summary>
public sealed class StreamPayloadTests
{
    [Fact]
    public void Read_ImmutableItem_GivesTheProducersObjectWithoutSerializing()
    {
        var item = SharedItem.Create([1, 2, 3]);
        using var payload = StreamPayload.Of(item);

        Assert.False(payload.WasShared);
        Assert.Same(item, payload.Read<SharedItem>());
        Assert.True(payload.WasShared);
        Assert.False(payload.IsSerialized);
    }

    [Fact]
    public void Read_MutableItemChangedAfterOf_GivesTheValuesAtOf()
    {
        float[] item = [1, 2, 3];
        using var payload = StreamPayload.Of(item);
        item[0] = 99;

        Assert.True(payload.IsSerialized);
        Assert.Equal([1f, 2, 3], payload.Read<float[]>());
        Assert.False(payload.WasShared);
    }

    [Fact]
    public void Bytes_ImmutableItem_ReadOnTheOtherSideGivesACopyWithTheSameValues()
    {
        var item = SharedItem.Create([.. Enumerable.Range(0, 50_000).Select(i => (float)i)]);
        using var payload = StreamPayload.Of(item);
        using var received = StreamPayload.Over(payload.Bytes);

        var read = received.Read<SharedItem>();
        Assert.NotSame(item, read);
        Assert.False(payload.WasShared);
        Assert.Equal(item.Id, read.Id);
        Assert.Equal(item.Values, read.Values);
        Assert.Same(payload.Bytes, payload.Bytes);
    }

    [Fact]
    public void Dispose_BytesItMade_GoBackToThePoolButBytesItWasGivenStay()
    {
        var made = StreamPayload.Of(new float[1000]);
        var bytes = made.Bytes;
        var given = PooledBuffer.CopyOf(new byte[] { 1, 2 }.AsSpan());
        var over = StreamPayload.Over(given);

        made.Dispose();
        over.Dispose();

        Assert.Equal(1, bytes.ReturnsToPool);
        Assert.Equal(0, given.ReturnsToPool);
        Assert.Equal(new byte[] { 1, 2 }, given.Span.ToArray());
    }

    [Fact]
    public void Bytes_AfterDispose_ThrowsInsteadOfMakingBytesNobodyGivesBack()
    {
        var payload = StreamPayload.Of(SharedItem.Create([1]));
        payload.Dispose();

        Assert.Throws<ObjectDisposedException>(() => payload.Bytes);
    }
}
