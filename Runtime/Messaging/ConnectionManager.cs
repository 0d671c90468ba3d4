using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Messaging;

/// <summary>Accepts connections and keeps one outbound connection per remote silo, made on first use.</summary>
internal sealed class ConnectionManager : IAsyncDisposable
{
    private readonly ConcurrentDictionary<SiloAddress, Task<Connection>> _outbound = new();
    private readonly ConcurrentDictionary<Connection, byte> _all = new();
    private readonly MessageCenter _messages;
    private readonly string _identity;
    private readonly List<Socket> _listeners = [];
    private readonly CancellationTokenSource _stopping = new();

    public ConnectionManager(MessageCenter messages, string identity)
    {
        _messages = messages;
        _identity = identity;
        messages.ConnectionClosed += (connection, error) =>
        {
            _all.TryRemove(connection, out var _);
            if (connection.Tag is SiloAddress silo && _outbound.TryGetValue(silo, out var task) && task.IsCompletedSuccessfully && ReferenceEquals(task.Result, connection))
            {
                _outbound.TryRemove(new KeyValuePair<SiloAddress, Task<Connection>>(silo, task));
            }
        };
    }

    public string Identity
    {
        get => _messages.LocalIdentity;
        set => _messages.LocalIdentity = value;
    }

    /// <summary>Accepts connections on <paramref name="endpoint"/> (silo port, and a gateway port when separate).</summary>
    public IPEndPoint Listen(IPEndPoint endpoint)
    {
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endpoint);
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        lock (_listeners)
        {
            _listeners.Add(listener);
        }

        _ = AcceptLoopAsync(listener, _stopping.Token);
        return (IPEndPoint)listener.LocalEndPoint!;
    }

    /// <summary>The open outbound connection to <paramref name="silo"/>, if there is one already (no waiting).</summary>
    public bool TryGetOpen(SiloAddress silo, out Connection connection)
    {
        if (_outbound.TryGetValue(silo, out var task) && task.IsCompletedSuccessfully && !task.Result.IsClosed)
        {
            connection = task.Result;
            return true;
        }

        connection = null!;
        return false;
    }

    public Task<Connection> GetAsync(SiloAddress silo)
    {
        while (true)
        {
            var task = _outbound.GetOrAdd(silo, static (s, self) => self.ConnectAsync(s), this);
            if (!task.IsCompleted || (task.IsCompletedSuccessfully && !task.Result.IsClosed))
            {
                return task;
            }

            // Failed connect or closed connection: forget it, and try once more on the next loop.
            _outbound.TryRemove(new KeyValuePair<SiloAddress, Task<Connection>>(silo, task));
            if (task.IsFaulted)
            {
                return task;
            }
        }
    }

    /// <summary>Closes every connection to the silo (fails its calls in flight).</summary>
    public void Disconnect(SiloAddress silo)
    {
        if (_outbound.TryRemove(silo, out var task) && task.IsCompletedSuccessfully)
        {
            task.Result.Close(new SiloUnavailableException($"Silo {silo} left the cluster"));
        }

        foreach (var connection in _all.Keys)
        {
            if (connection.RemoteIdentity == silo.ToString())
            {
                connection.Close(new SiloUnavailableException($"Silo {silo} left the cluster"));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        lock (_listeners)
        {
            foreach (var listener in _listeners)
            {
                listener.Dispose();
            }
        }

        foreach (var connection in _all.Keys)
        {
            connection.Close();
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private async Task<Connection> ConnectAsync(SiloAddress silo)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        var timeout = _messages.Options.ConnectTimeout;
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(silo.ToEndPoint(), limit.Token).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new SiloUnavailableException($"Cannot connect to {silo}: {ex.SocketErrorCode}", ex);
        }
        catch (OperationCanceledException ex) when (limit.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SiloUnavailableException($"Cannot connect to {silo}: no answer within {timeout.TotalSeconds:0.#} s", ex);
        }

        var connection = new Connection(socket, _messages, _messages.Options) { Tag = silo, RemoteIdentity = silo.ToString() };
        _all[connection] = 0;
        connection.Start();
        await connection.SendAsync(MessageCenter.EncodeControl(ControlCode.Hello, _messages.Options.WireProtocolVersion, Identity.Length > 0 ? Identity : _identity, _messages.ClusterId)).ConfigureAwait(false);
        return connection;
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var connection = new Connection(socket, _messages, _messages.Options);
            _all[connection] = 0;
            connection.Start();
        }
    }
}
