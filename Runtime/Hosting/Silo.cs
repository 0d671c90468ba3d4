using System.Net;
using DistInfer.Runtime.Activation;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Directory;
using DistInfer.Runtime.Invocation;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using ClusterMembershipSnapshot = DistInfer.Runtime.Cluster.ClusterMembershipSnapshot;
using IClusterMembershipService = DistInfer.Runtime.Cluster.IClusterMembershipService;

namespace DistInfer.Runtime.Hosting;

/// <summary>
/// A silo: listens on TCP, hosts activations, owns a directory partition, joins membership through
/// <see cref="IClusterMembershipService"/> and republishes its statistics periodically.
/// </summary>
public sealed partial class Silo : IAsyncDisposable
{
    private static readonly TimeSpan DeactivationTimeout = TimeSpan.FromSeconds(30);
    private readonly IServiceProvider _services;
    private readonly SiloOptions _options;
    private readonly IClusterMembershipService _membership;
    private readonly SiloStatusTracker _statusTracker = new();
    private readonly TimeProvider _time;
    private readonly ISiloStatisticsProvider _statistics;
    private readonly ILogger _logger;
    private readonly GrainFactory _grainFactory;
    private readonly MessageCenter _messages;
    private readonly ConnectionManager _connections;
    private SiloRouter? _router;
    private GrainDirectory? _directory;
    private Catalog? _catalog;
    private ITimer? _statisticsTimer;
    private SiloInfo? _info;
    private int _stopped;
    private ISiloLifecycleParticipant[] _participants = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<SiloAddress, bool> _incompatibleSeen = new();

    public Silo(IServiceProvider services, IOptions<SiloOptions> options, IClusterMembershipService membership, TimeProvider time, ISiloStatisticsProvider statistics, ILoggerFactory loggers)
    {
        _services = services;
        _options = options.Value;
        _membership = membership;
        _time = time;
        _statistics = statistics;
        _logger = loggers.CreateLogger<Silo>();
        _grainFactory = new GrainFactory(() => _router ?? throw new InvalidOperationException("The silo is not started"));
        _messages = new MessageCenter(_options.Messaging, time, _logger) { ClusterId = _options.ClusterId };
        _connections = new ConnectionManager(_messages, _options.Name);
    }

    public SiloAddress Address { get; private set; }

    /// <summary>The port clients connect to: <see cref="SiloOptions.GatewayPort"/>'s listener when separate, else the silo port.</summary>
    public int GatewayPort { get; private set; }

    public SiloOptions Options => _options;

    /// <summary>The silo's service provider (grain constructor injection resolves from it).</summary>
    public IServiceProvider Services => _services;

    public IGrainFactory GrainFactory => _grainFactory;

    public bool IsRunning => _router is not null && Volatile.Read(ref _stopped) == 0;

    /// <summary>Activations on this silo, stateless workers included.</summary>
    public int ActivationCount => _catalog?.ActivationCount ?? 0;

    internal Catalog Catalog => _catalog ?? throw new InvalidOperationException("The silo is not started");

    internal GrainDirectory Directory => _directory ?? throw new InvalidOperationException("The silo is not started");

    internal MessageCenter Messages => _messages;

    internal ConnectionManager Connections => _connections;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // Resolved once here: stopping may run while the service provider is being disposed.
        var participants = _participants = [.. _services.GetServices<ISiloLifecycleParticipant>()];
        foreach (var participant in participants)
        {
            await participant.OnStartingAsync(this, cancellationToken).ConfigureAwait(false);
        }

        var bound = _connections.Listen(new IPEndPoint(IPAddress.Parse(_options.Host), _options.Port));
        Address = new SiloAddress(_options.Host, bound.Port, _time.GetUtcNow().UtcTicks);
        GatewayPort = _options.GatewayPort is { } gateway && gateway != bound.Port
            ? _connections.Listen(new IPEndPoint(IPAddress.Parse(_options.Host), gateway)).Port
            : bound.Port;
        _connections.Identity = Address.ToString();
        _directory = new GrainDirectory(Address, _grainFactory, _membership.Current, _time);
        var placement = new PlacementService(_services, _membership, Address, _options.DefaultPlacement);
        _router = new SiloRouter(Address, _grainFactory, _directory, placement, _messages, _connections, _time);
        _catalog = new Catalog(_services, _grainFactory, _time, _options, _directory, Address, _router.Reroute);
        _router.Catalog = _catalog;
        _router.AddSystemTarget(ActivationLocator.SystemTargetType, new ActivationLocator(id => _catalog.TryGetLocal(id, out _)));
        _messages.RequestHandler = _router;
        _messages.CallRuntime = _router;
        _membership.Changed += OnMembershipChanged;
        if (_membership is IMembershipGossip gossip)
        {
            _router.AddSystemTarget(MembershipGossipTarget.SystemTargetType, new MembershipGossipTarget(gossip));
            AttachGossip(gossip);
        }

        _catalog.StartCollector();
        await PublishAsync(SiloStatus.Active, cancellationToken).ConfigureAwait(false);
        _directory.OnMembershipChanged(_membership.Current);
        _statisticsTimer = _time.CreateTimer(static s => _ = ((Silo)s!).RefreshStatisticsAsync(), this, _options.StatisticsRefreshPeriod, _options.StatisticsRefreshPeriod);
        foreach (var participant in participants)
        {
            await participant.OnStartedAsync(this, cancellationToken).ConfigureAwait(false);
        }

        LogStarted(_logger, _options.Name, Address.ToString(), _options.ClusterId);
    }

    /// <summary>Graceful shutdown: deactivate grains, leave the cluster, close connections.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0 || _catalog is null)
        {
            return;
        }

        _statisticsTimer?.Dispose();
        foreach (var participant in _participants)
        {
            await participant.OnStoppingAsync(this, graceful: true).ConfigureAwait(false);
        }

        // A drain: first the cluster stops resolving grains here, then the activations go and any call for them that
        // still arrives is forwarded to a new activation elsewhere; one created here would vanish when the silo leaves.
        _router!.Draining = true;
        var drainStarted = _time.GetTimestamp();
        try
        {
            await _membership.ShutDownAsync(Address, cancellationToken).ConfigureAwait(false);
            var deactivating = _catalog.ActivationCount;
            await DrainAsync().WaitAsync(DeactivationTimeout, _time, cancellationToken).ConfigureAwait(false);
            LogDrained(_logger, Address.ToString(), deactivating, _time.GetElapsedTime(drainStarted).TotalMilliseconds);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // Leave anyway: a silo that stays in membership without serving would be resolved to and never voted out.
            LogDrainCut(_logger, Address.ToString(), _catalog.ActivationCount, _time.GetElapsedTime(drainStarted).TotalSeconds);
        }

        _membership.Changed -= OnMembershipChanged;
        await _membership.LeaveAsync(Address, cancellationToken).ConfigureAwait(false);
        _router!.Stopped = true;
        _catalog.Dispose();
        _messages.Timeouts.Dispose();
        await _connections.DisposeAsync().ConfigureAwait(false);
        LogStopped(_logger, Address.ToString());
    }

    /// <summary>Deactivates every activation, then waits for the requests it forwarded meanwhile to be answered.</summary>
    private async Task DrainAsync()
    {
        await _catalog!.DeactivateAllAsync(new DeactivationReason(DeactivationReasonCode.ShuttingDown, "silo stopping")).ConfigureAwait(false);
        await _router!.WhenForwardedAsync().ConfigureAwait(false);
    }

    /// <summary>Drops the silo abruptly (tests): connections close, nothing is deactivated, membership not told.</summary>
    public async Task KillAsync()
    {
        Interlocked.Exchange(ref _stopped, 1);
        if (_router is not null)
        {
            _router.Stopped = true;
        }

        _statisticsTimer?.Dispose();
        foreach (var participant in _participants)
        {
            await participant.OnStoppingAsync(this, graceful: false).ConfigureAwait(false);
        }

        _membership.Changed -= OnMembershipChanged;
        if (_membership is IMembershipGossip gossip)
        {
            DetachGossip(gossip);
        }

        _catalog?.Dispose();
        _messages.Timeouts.Dispose();
        await _connections.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>Republishes statistics now (placement reads them through membership).</summary>
    public Task RefreshStatisticsAsync() => PublishAsync(SiloStatus.Active, CancellationToken.None);

    /// <summary>Runs one idle-collection pass now.</summary>
    public void CollectIdleActivations() => Catalog.CollectIdle();

    /// <summary>Calls the local directory's view: which silo holds the grain, if any.</summary>
    public async Task<SiloAddress?> LookupAsync(GrainId grainId) =>
        _directory is null ? null : await _directory.LookupAsync(grainId).ConfigureAwait(false);

    private async Task PublishAsync(SiloStatus status, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _stopped) != 0 && status == SiloStatus.Active)
        {
            return;
        }

        var interfaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var grainClass in GrainTypeRegistry.GrainClasses)
        {
            if (_options.GrainClassFilter(grainClass.ClassType))
            {
                foreach (var type in grainClass.Interfaces)
                {
                    interfaces.Add(GrainTypeNames.Intern(type.FullName ?? type.Name));
                }
            }
        }

        _info = new SiloInfo
        {
            Address = Address,
            Name = _options.Name,
            GatewayPort = GatewayPort,
            Status = status,
            Roles = new HashSet<string>(_options.Roles, StringComparer.Ordinal),
            Metadata = new Dictionary<string, string>(_options.Metadata, StringComparer.Ordinal),
            GrainInterfaces = interfaces,
            WireProtocol = _options.Messaging.WireProtocolVersion,
            Statistics = _statistics.GetStatistics(_catalog?.ActivationCount ?? 0),
        };
        await _membership.PublishAsync(_info, cancellationToken).ConfigureAwait(false);
    }

    private void OnMembershipChanged(ClusterMembershipSnapshot snapshot)
    {
        if (_statusTracker.Update(snapshot))
        {
            RuntimeMetrics.MembershipChanged();
        }

        var previousRing = _directory!.RingVersion;
        _directory.OnMembershipChanged(snapshot);
        foreach (var silo in snapshot.Silos)
        {
            if (silo.Status == SiloStatus.Dead && silo.Address != Address)
            {
                _connections.Disconnect(silo.Address);
            }
            else if (silo.Status == SiloStatus.Active && !silo.IsCompatible && _incompatibleSeen.TryAdd(silo.Address, true))
            {
                LogIncompatible(_logger, silo.Address.ToString(), silo.WireProtocol, WireProtocol.Version);
            }
        }

        if (snapshot.TryGet(Address, out var self) && self.Status == SiloStatus.Dead && Volatile.Read(ref _stopped) == 0)
        {
            // Declared dead by the cluster: stop, as Orleans silos do.
            LogDeclaredDead(_logger, Address.ToString());
            _ = KillAsync();
            return;
        }

        if (_directory.RingVersion != previousRing)
        {
            _ = _catalog!.HandOffAsync();
        }
    }
}
