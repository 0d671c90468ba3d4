using DistInfer.Runtime.Streams.Redis;

namespace DistInfer.Runtime.Tests.RedisStreams;

public sealed class RedisStreamSequenceTokenTests
{
    [Fact]
    public void Parse_EntryId_RoundTripsAndOrdersByTimeThenSequence()
    {
        var a = RedisStreamSequenceToken.Parse("1700000000000-5");
        var b = RedisStreamSequenceToken.Parse("1700000000000-12");
        var c = RedisStreamSequenceToken.Parse("1700000000001-0");

        Assert.Equal("1700000000000-5", a.ToString());
        Assert.True(a < b && b < c);
        Assert.Equal([a, b, c], new[] { c, a, b }.Order());
        Assert.True(RedisStreamSequenceToken.Zero < a);
    }

    [Theory]
    [InlineData("")]
    [InlineData("17")]
    [InlineData("-5")]
    [InlineData("1-x")]
    [InlineData("1--2")]
    public void Parse_NotAnEntryId_ThrowsFormatExceptionNamingIt(string text)
    {
        var error = Assert.Throws<FormatException>(() => RedisStreamSequenceToken.Parse(text));

        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }
}
