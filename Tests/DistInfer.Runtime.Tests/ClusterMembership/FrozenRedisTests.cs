using System.Diagnostics;
using DistInfer.Runtime.Membership.Redis;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.ClusterMembership;

/// <summary>Redis operations against a server that hangs with its connections open (a stalled fork, a long script).</summary>
public sealed class FrozenRedisTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task RunAsync_ServerFrozenConnectionOpen_FailsAfterOneTimeoutWithoutResending()
    {
        using var connection = await RedisTestConnection.OpenAsync(redis);
        var key = "frozen-" + Guid.NewGuid().ToString("N");
        var timeout = TimeSpan.FromMilliseconds(300);
        var sent = 0;
        var watch = Stopwatch.StartNew();

        await redis.PauseAsync();
        try
        {
            // A timed-out command may have been applied, so it is not sent again: before, it was resent while the
            // multiplexer still said connected, forty times, and the caller waited all of them.
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RedisConnector.RunAsync(
                connection.Multiplexer,
                db =>
                {
                    Interlocked.Increment(ref sent);
                    return db.StringIncrementAsync(key);
                },
                timeout,
                ex => new InvalidOperationException("unavailable", ex)));
            Assert.IsType<TimeoutException>(error.InnerException);
        }
        finally
        {
            await redis.ResumeAsync();
        }

        Assert.Equal(1, sent);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Equal(1, (long)await connection.Multiplexer.GetDatabase().StringGetAsync(key));
    }
}
