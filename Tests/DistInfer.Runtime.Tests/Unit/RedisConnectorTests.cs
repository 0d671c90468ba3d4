using DistInfer.Runtime.Membership.Redis;

namespace DistInfer.Runtime.Tests.Unit;

public sealed class RedisConnectorTests
{
    [Fact]
    public void IsTransient_CommandTimedOut_True() =>
        Assert.True(RedisConnector.IsTransient(new TimeoutException("no answer")));

    [Fact]
    public void IsTransient_NullReferenceFromCallerCode_False()
    {
        var error = Assert.Throws<NullReferenceException>(() => ThrowHere(null));

        Assert.False(RedisConnector.IsTransient(error));
    }

    private static void ThrowHere(string? text) => _ = text!.Length;
}
