using DistInfer.Silo.Http;

namespace DistInfer.Silo.Tests;

public sealed class StopSequenceMatcherTests
{
    [Fact]
    public void Push_StopSplitAcrossPieces_HoldsBackThenCutsBeforeStop()
    {
        var m = new StopSequenceMatcher(["END"]);

        Assert.Equal("hello ", m.Push("hello E", out var s1));
        Assert.False(s1);
        Assert.Equal("", m.Push("N", out var s2));
        Assert.False(s2);
        Assert.Equal("", m.Push("D and more", out var s3));
        Assert.True(s3);
    }

    [Fact]
    public void Push_FalseStart_ReleasesHeldText()
    {
        var m = new StopSequenceMatcher(["END"]);

        Assert.Equal("a", m.Push("aE", out _));
        Assert.Equal("EX", m.Push("X", out var stopped));
        Assert.False(stopped);
    }

    [Fact]
    public void Push_SeveralStops_EarliestWins()
    {
        var m = new StopSequenceMatcher(["world", "lo"]);

        Assert.Equal("hel", m.Push("hello world", out var stopped));
        Assert.True(stopped);
    }

    [Fact]
    public void Flush_NoStopSeen_ReturnsHeldText()
    {
        var m = new StopSequenceMatcher(["\n\n"]);

        Assert.Equal("line", m.Push("line\n", out _));
        Assert.Equal("\n", m.Flush());
    }

    [Fact]
    public void Push_NoStops_PassesThrough()
    {
        var m = new StopSequenceMatcher([]);

        Assert.Equal("abc", m.Push("abc", out var stopped));
        Assert.False(stopped);
    }
}
