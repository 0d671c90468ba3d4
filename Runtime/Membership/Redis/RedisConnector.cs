using StackExchange.Redis;

namespace DistInfer.Runtime.Membership.Redis;

/// <summary>
/// Opens StackExchange.Redis connections the way the runtime needs them: fail fast when Redis is unreachable at
/// start, reconnect on its own afterwards (a Redis restart makes calls fail until it is back, never forever).
/// </summary>
public static class RedisConnector
{
    private const int ReconnectSettleAttempts = 40;
    private static readonly TimeSpan ReconnectSettleDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>Connects or throws <see cref="RedisConnectionException"/> naming the endpoint.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(string configuration, TimeSpan connectTimeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(configuration);
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = true;
        options.ConnectRetry = Math.Max(options.ConnectRetry, 2);
        options.ConnectTimeout = (int)connectTimeout.TotalMilliseconds;
        options.SyncTimeout = Math.Max(options.SyncTimeout, (int)connectTimeout.TotalMilliseconds);
        options.KeepAlive = options.KeepAlive > 0 ? options.KeepAlive : 5;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        // Off the caller's synchronization context: the 1.2.6 handshake posts continuations that would otherwise
        // queue behind a busy context and stall the connect until ConnectTimeout.
        return await Task.Run(() => ConnectionMultiplexer.ConnectAsync(options)).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes a connection without waiting for QUIT replies: 1.2.6's Dispose waits SyncTimeout for them and
    /// Redis 7 never lets them complete, so a plain Dispose stalls for that long.
    /// </summary>
    public static void Close(IConnectionMultiplexer connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connection.Close(allowCommandsToComplete: false);
        connection.Dispose();
    }

    /// <summary>"host:port" of the first endpoint in a configuration string, for error messages.</summary>
    public static string DescribeEndpoint(string configuration)
    {
        try
        {
            var options = ConfigurationOptions.Parse(configuration);
            return options.EndPoints.Count == 0 ? configuration : EndpointText(options.EndPoints[0]);
        }
        catch (ArgumentException)
        {
            return configuration;
        }
    }

    /// <summary>
    /// Runs one Redis operation with a timeout; a transient failure becomes <paramref name="unavailable"/>'s exception. Just
    /// after a reconnect the multiplexer reports connected while it still reconfigures and refuses commands for
    /// a moment (about 0.1 s); that window is waited out instead of failing a caller who could proceed.
    /// </summary>
    public static async Task<T> RunAsync<T>(IConnectionMultiplexer connection, Func<IDatabase, Task<T>> operation, TimeSpan timeout, Func<Exception, Exception> unavailable)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(unavailable);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // 1.2.6 never times out async commands by itself; a hung Redis must not hang the caller.
                return await operation(connection.GetDatabase()).WaitAsync(timeout).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                // Only a refused command is retried: one that timed out may have been applied (an XADD twice, a
                // membership insert that then finds its own row), and retrying a hung Redis held the caller for
                // ReconnectSettleAttempts timeouts (minutes) before any error.
                if (connection.IsConnected && ex is not (TimeoutException or RedisTimeoutException) && attempt < ReconnectSettleAttempts)
                {
                    await Task.Delay(ReconnectSettleDelay).ConfigureAwait(false);
                    continue;
                }

                throw unavailable(ex);
            }
        }
    }

    /// <summary>
    /// True for failures that go away when Redis is reachable again. 1.2.6 sometimes throws a NullReferenceException
    /// from inside its own "no connection available" error path (ServerEndPoint.LastException) while it reconnects;
    /// that is a lost connection too, not a bug of the caller.
    /// </summary>
    public static bool IsTransient(Exception exception) =>
        exception is RedisConnectionException or RedisTimeoutException or TimeoutException
        || (exception is RedisServerException server && server.Message.StartsWith("LOADING", StringComparison.Ordinal))
        || (exception is NullReferenceException && ThrownByRedisClient(exception));

    private static bool ThrownByRedisClient(Exception exception) =>
        exception.TargetSite?.DeclaringType?.Assembly == typeof(IDatabase).Assembly
        || exception.StackTrace?.Contains("StackExchange.Redis.ExceptionFactory", StringComparison.Ordinal) == true;

    private static string EndpointText(System.Net.EndPoint endPoint) => endPoint switch
    {
        System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        System.Net.IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        _ => endPoint.ToString() ?? "?",
    };
}
