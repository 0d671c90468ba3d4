using DistInfer.Engine.Model;

namespace DistInfer.Engine.Tests.Model;

public sealed class SequenceKvCacheTests
{
    [Fact]
    public void FromCommitted_CopyOfAnotherCache_SameSlotsMaskAndRotaryLengthWithRoomForMore()
    {
        var source = new SequenceKvCache(2, 4, kvWidth: 3, initialCapacity: 2);
        source.Reserve(3);
        for (var layer = 2; layer < 4; layer++)
        {
            for (var slot = 0; slot < 3; slot++)
            {
                source.Keys(layer, slot, 1).Fill(layer * 10 + slot);
                source.Values(layer, slot, 1).Fill(-(layer * 10 + slot));
            }
        }

        source.SetMasked(0, true);
        source.Commit(3);

        var copy = SequenceKvCache.FromCommitted(2, 4, 3, source.CommittedMask(), [source.CommittedKeys(2), source.CommittedKeys(3)], [source.CommittedValues(2), source.CommittedValues(3)]);

        Assert.Equal((3, 2), (copy.Length, copy.RotaryLength));
        Assert.True(copy.IsMasked(0));
        Assert.Equal(source.Keys(3, 0, 3).ToArray(), copy.Keys(3, 0, 3).ToArray());
        Assert.Equal(source.Values(2, 0, 3).ToArray(), copy.Values(2, 0, 3).ToArray());
        copy.Reserve(1);
        copy.Keys(2, 3, 1).Fill(7f);
        copy.Commit(1);
        Assert.Equal(4, copy.Length);
        Assert.Equal(3, source.Length);
    }

    [Fact]
    public void FromCommitted_LayerShorterThanItsSlots_ThrowsNamingTheLayer()
    {
        var error = Assert.Throws<ArgumentException>(() => SequenceKvCache.FromCommitted(0, 2, 4, [false, false], [new float[8], new float[7]], [new float[8], new float[8]]));

        Assert.Contains("layer 1: 7 keys and 8 values for 2 slots of width 4", error.Message);
    }

    [Fact]
    public void FromCommitted_WrongLayerCount_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => SequenceKvCache.FromCommitted(0, 2, 4, [], [[]], [[], []]));

        Assert.Contains("1 key and 2 value layers for the 2 layers [0, 2)", error.Message);
    }
}
