using DistInfer.Engine.Serving;

namespace DistInfer.Engine.Tests.Serving;

/// <summary>The process's exact-length arrays for step logits. Lengths here are odd so that other tests' steps never share them.</summary>
public sealed class LogitsPoolTests
{
    [Fact]
    public void Rent_AfterReturnOfThatLength_GivesTheSameArrayBack()
    {
        var array = LogitsPool.Rent(12_347);
        LogitsPool.Return(array);

        Assert.Same(array, LogitsPool.Rent(12_347));
    }

    [Fact]
    public void Rent_LengthNeverReturned_AllocatesExactlyThatLength()
    {
        var kept = LogitsPool.Rent(12_349);
        LogitsPool.Return(kept);

        var other = LogitsPool.Rent(12_351);
        Assert.Equal(12_351, other.Length);
        Assert.NotSame(kept, other);
    }
}
