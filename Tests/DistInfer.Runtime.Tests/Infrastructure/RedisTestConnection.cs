using DistInfer.Runtime.Membership.Redis;
using StackExchange.Redis;

namespace DistInfer.Runtime.Tests.Infrastructure;

/// <summary>A test's own Redis connection, closed quickly (see <see cref="RedisConnector.Close"/>).</summary>
public sealed class RedisTestConnection : IDisposable
{
    private RedisTestConnection(ConnectionMultiplexer multiplexer) => Multiplexer = multiplexer;

    public ConnectionMultiplexer Multiplexer { get; }

    public static async Task<RedisTestConnection> OpenAsync(RedisServerFixture redis) =>
        new(await RedisConnector.ConnectAsync(redis.Configuration, TimeSpan.FromSeconds(5)));

    /// <summary>Completes when the command connection is back after a Redis restart.</summary>
    public Task WhenRestoredAsync()
    {
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                restored.TrySetResult();
            }
        };
        return restored.Task;
    }

    public void Dispose() => RedisConnector.Close(Multiplexer);
}
