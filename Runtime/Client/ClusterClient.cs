using System.Globalization;
using DistInfer.Runtime.Invocation;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Messaging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Client;

/// <summary>
/// Sends every grain call to one gateway; when that connection is lost the calls in flight fail at once and the
/// next call connects to the next gateway that answers.
/// </summary>
public sealed partial class ClusterClient : IClusterClient, IGrainCallRuntime
{
    private readonly ClusterClientOptions _options;
    private readonly MessageCenter _messages;
    private readonly ConnectionManager _connections;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly Lock _adding = new();
    private SiloAddress[] _gateways;
    private readonly GrainFactory _factory;
    private readonly ILogger _logger;
    private int _current;

    public ClusterClient(IOptions<ClusterClientOptions> options, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        _options = options.Value;
        if (_options.Gateways.Count == 0 && _options.GatewayListProvider is null)
        {
            throw new ArgumentException("ClusterClientOptions.Gateways is empty: name at least one gateway as host:port or set GatewayListProvider", nameof(options));
        }

        _gateways = _options.Gateways.Select(ParseGateway).ToArray();
        _logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger<ClusterClient>();
        _messages = new MessageCenter(_options.Messaging, time ?? TimeProvider.System, _logger) { ClusterId = _options.ClusterId };
        _connections = new ConnectionManager(_messages, "client/" + Guid.NewGuid().ToString("N"));
        _factory = new GrainFactory(() => this);
        _messages.CallRuntime = this;
    }

    public bool IsConnected { get; private set; }

    /// <summary>
    /// Adds gateways the client may fail over to (other silos of the cluster, learned from one it reached): a client
    /// configured with one gateway otherwise has nowhere to go when that silo dies. Known ones are not repeated.
    /// </summary>
    public void AddGateways(IEnumerable<string> gateways)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        lock (_adding)
        {
            var known = Volatile.Read(ref _gateways);
            var merged = new List<SiloAddress>(known);
            foreach (var text in gateways)
            {
                var gateway = ParseGateway(text);
                if (!merged.Exists(g => g.Host == gateway.Host && g.Port == gateway.Port))
                {
                    merged.Add(gateway);
                }
            }

            if (merged.Count != known.Length)
            {
                Volatile.Write(ref _gateways, merged.ToArray());
            }
        }
    }

    public IGrainFactory GrainFactory => _factory;

    /// <summary>The client's service provider when built through AddDistInferClient (stream providers live there).</summary>
    public IServiceProvider? Services { get; init; }

    /// <summary>The gateway calls currently go to.</summary>
    public string CurrentGateway
    {
        get
        {
            var gateways = Volatile.Read(ref _gateways);
            return gateways.Length == 0 ? string.Empty : gateways[Math.Min(Volatile.Read(ref _current), gateways.Length - 1)].ToString();
        }
    }

    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (_options.GatewayListProvider is not null)
        {
            await RefreshGatewaysAsync(Volatile.Read(ref _gateways), cancellationToken).ConfigureAwait(false);
        }

        await GetConnectionAsync().ConfigureAwait(false);
        IsConnected = true;
    }

    /// <summary>
    /// One round trip to the current gateway (a ping, which a silo answers on any connection). The greeting itself is
    /// not answered, so an endpoint that is not a silo (an HTTP port answers the bytes and hangs up) fails here,
    /// with a <see cref="SiloUnavailableException"/>, instead of at the first grain call.
    /// </summary>
    public async Task PingGatewayAsync(CancellationToken cancellationToken = default)
    {
        var connection = await GetConnectionAsync().ConfigureAwait(false);
        await _messages.PingAsync(connection, string.Empty, cancellationToken).ConfigureAwait(false);
    }

    public async Task CloseAsync()
    {
        IsConnected = false;
        _messages.Timeouts.Dispose();
        await _connections.DisposeAsync().ConfigureAwait(false);

        // The provider (e.g. its Redis connection) lives as long as the client; a closed client is not reused.
        (_options.GatewayListProvider as IDisposable)?.Dispose();
    }

    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    public ValueTask<object?> InvokeAsync(GrainId target, GrainRequest request) => SendAsync(target, request);

    public void SendOneWay(GrainId target, GrainRequest request) => _ = SendOneWayAsync(target, request);

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey => _factory.GetGrain<TGrainInterface>(primaryKey);

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey)
        where TGrainInterface : IGrainWithIntegerKey => _factory.GetGrain<TGrainInterface>(primaryKey);

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey)
        where TGrainInterface : IGrainWithGuidKey => _factory.GetGrain<TGrainInterface>(primaryKey);

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string keyExtension)
        where TGrainInterface : IGrainWithIntegerCompoundKey => _factory.GetGrain<TGrainInterface>(primaryKey, keyExtension);

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string keyExtension)
        where TGrainInterface : IGrainWithGuidCompoundKey => _factory.GetGrain<TGrainInterface>(primaryKey, keyExtension);

    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId)
        where TGrainInterface : IAddressable => _factory.GetGrain<TGrainInterface>(grainId);

    private ValueTask<object?> SendAsync(GrainId target, GrainRequest request)
    {
        // The connection is almost always there already: then no async wrapper around the pending call.
        var connection = GetConnectionAsync();
        return connection.IsCompletedSuccessfully
            ? _messages.SendRequestAsync(connection.Result, target, request)
            : ConnectAndSendAsync(connection, target, request);
    }

    private async ValueTask<object?> ConnectAndSendAsync(ValueTask<Connection> connection, GrainId target, GrainRequest request) =>
        await _messages.SendRequestAsync(await connection.ConfigureAwait(false), target, request).ConfigureAwait(false);

    private async Task SendOneWayAsync(GrainId target, GrainRequest request)
    {
        try
        {
            _messages.SendOneWay(await GetConnectionAsync().ConfigureAwait(false), target, request);
        }
        catch (SiloUnavailableException)
        {
            // One-way: failures are not reported.
        }
    }

    private async ValueTask<Connection> GetConnectionAsync()
    {
        var gateways = Volatile.Read(ref _gateways);
        var (connection, last) = await TryGatewaysAsync(gateways).ConfigureAwait(false);
        if (connection is null && _options.GatewayListProvider is not null)
        {
            // None of the known gateways answers: the membership table knows the silos that are alive now.
            gateways = await RefreshGatewaysAsync(gateways, CancellationToken.None).ConfigureAwait(false);
            (connection, last) = await TryGatewaysAsync(gateways).ConfigureAwait(false);
        }

        return connection ?? throw new SiloUnavailableException(
            $"No gateway reachable ({(gateways.Length == 0 ? "the membership table lists no active gateway" : string.Join(", ", gateways.Select(g => $"{g.Host}:{g.Port}")))})",
            last ?? new SiloUnavailableException("no gateways"));
    }

    private async ValueTask<(Connection? Connection, SiloUnavailableException? Last)> TryGatewaysAsync(SiloAddress[] gateways)
    {
        var start = Math.Min(Volatile.Read(ref _current), Math.Max(0, gateways.Length - 1));
        SiloUnavailableException? last = null;
        for (var i = 0; i < gateways.Length; i++)
        {
            var index = (start + i) % gateways.Length;
            try
            {
                var connection = await _connections.GetAsync(gateways[index]).ConfigureAwait(false);
                if (index != start)
                {
                    LogFailover(_logger, gateways[start].ToString(), gateways[index].ToString());
                }

                Volatile.Write(ref _current, index);
                return (connection, null);
            }
            catch (SiloUnavailableException ex)
            {
                last = ex;
            }
        }

        return (null, last);
    }

    private async Task<SiloAddress[]> RefreshGatewaysAsync(SiloAddress[] seen, CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Volatile.Read(ref _gateways);
            if (!ReferenceEquals(current, seen))
            {
                return current; // Another caller refreshed meanwhile.
            }

            var found = await _options.GatewayListProvider!.GetGatewaysAsync(_options.ClusterId, cancellationToken).ConfigureAwait(false);
            var gateways = found.Select(e => new SiloAddress(e.Address.ToString(), e.Port, 0)).ToArray();
            LogGatewaysRead(_logger, gateways.Length, _options.ClusterId);
            Volatile.Write(ref _current, 0);
            Volatile.Write(ref _gateways, gateways);
            return gateways;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private static SiloAddress ParseGateway(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var port)
            ? new SiloAddress(Hosting.HostAddress.TryResolve(text[..colon], out var error)
                ?? throw new FormatException($"Gateway '{text}': host '{text[..colon]}' does not resolve ({error?.Message ?? "no address"})", error), port, 0)
            : throw new FormatException($"Gateway '{text}' is not host:port");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {Count} active gateways of cluster {ClusterId} from membership")]
    private static partial void LogGatewaysRead(ILogger logger, int count, string clusterId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway {From} unreachable; failing over to {To}")]
    private static partial void LogFailover(ILogger logger, string from, string to);
}
