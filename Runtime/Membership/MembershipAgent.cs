using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Membership;

/// <summary>
/// A silo's side of the membership protocol (Orleans' MembershipTableManager + cluster health monitor): joins the
/// table (Joining, then Active), heartbeats, probes its ring successors, votes suspects dead, declares death when
/// its vote is the last one needed, notices its own death and leaves gracefully. Publishes snapshots through
/// <see cref="IMembershipView"/>. All timing comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class MembershipAgent : IMembershipView, IAsyncDisposable
{
    private readonly IMembershipTable _table;
    private readonly IProbeTransport _probes;
    private readonly LocalSiloDetails _local;
    private readonly MembershipOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyDictionary<string, string>>? _metadataProvider;
    private readonly MembershipSnapshotPublisher _publisher = new();
    private readonly SemaphoreSlim _readLock = new(1, 1);
    private readonly AgentWorkTracker _work = new();
    private readonly SiloProber _prober;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<IDisposable> _duties = [];
    private volatile SiloStatus _status = SiloStatus.Created;
    private volatile bool _leaving;
    private volatile bool _rowMissing;
    private int _declaredDead;
    private DateTimeOffset _lastCleanup;
    private DateTimeOffset _startTime;

    public MembershipAgent(
        IMembershipTable table,
        IProbeTransport probes,
        LocalSiloDetails local,
        IOptions<MembershipOptions> options,
        TimeProvider? time = null,
        ILogger<MembershipAgent>? logger = null,
        Func<IReadOnlyDictionary<string, string>>? metadataProvider = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(probes);
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(options);
        _table = table;
        _probes = probes;
        _local = local;
        _options = options.Value;
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _metadataProvider = metadataProvider;
        _prober = new SiloProber(this);
    }

    /// <summary>Raised once when this silo reads its own row as Dead (it was voted out); the host must stop.</summary>
    public event Action<SiloAddress>? DeclaredDead;

    /// <summary>
    /// Raised after this agent changed a status in the table (joined, became active, restored its wiped row,
    /// started shutting down, left, declared a silo dead), so peers can be told to re-read it at once.
    /// </summary>
    public event Action? StatusWritten;

    public event Action<MembershipUpdate>? MembershipChanged
    {
        add => _publisher.Changed += value;
        remove => _publisher.Changed -= value;
    }

    public SiloAddress LocalSilo => _local.SiloAddress;

    public SiloStatus Status => _status;

    public MembershipSnapshot CurrentSnapshot => _publisher.Current;

    internal MembershipOptions Options => _options;

    internal ILogger Logger => _logger;

    internal IProbeTransport Probes => _probes;

    internal AgentWorkTracker Work => _work;

    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>Joins the cluster: inserts this silo as Joining, then makes it Active and starts the protocol.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        _startTime = now;
        await InsertSelfAsync(NewOwnEntry(SiloStatus.Joining, now), cancellationToken).ConfigureAwait(false);
        _status = SiloStatus.Joining;
        if (!await WriteOwnRowAsync("activate", e => e with { Status = SiloStatus.Active, IAmAliveTime = _time.GetUtcNow() }, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"silo {LocalSilo} was declared dead while joining the cluster");
        }

        _status = SiloStatus.Active;
        StatusWritten?.Invoke();
        _lastCleanup = now;
        lock (_duties)
        {
            _duties.Add(new MembershipPeriodicWork("heartbeat", _options.IAmAliveTablePublishTimeout, HeartbeatAsync, _work, _time, _logger));
            _duties.Add(new MembershipPeriodicWork("table refresh", _options.TableRefreshTimeout, RefreshTickAsync, _work, _time, _logger));
            _duties.Add(new MembershipPeriodicWork("metadata refresh", _options.MetadataRefreshPeriod, RefreshMetadataAsync, _work, _time, _logger));
            _duties.Add(_time.CreateTimer(static state => ((SiloProber)state!).OnTick(), _prober, _options.ProbeTimeout, _options.ProbeTimeout));
        }

        MembershipAgentLog.Joined(_logger, LocalSilo, _status);
    }

    /// <summary>First step of a graceful stop: marks this silo ShuttingDown (it keeps serving until <see cref="StopAsync"/>).</summary>
    public async Task ShutDownAsync(CancellationToken cancellationToken = default)
    {
        _leaving = true;
        if (_status is SiloStatus.Joining or SiloStatus.Active)
        {
            if (await WriteOwnRowAsync("shutting down", e => e with { Status = SiloStatus.ShuttingDown }, cancellationToken).ConfigureAwait(false))
            {
                StatusWritten?.Invoke();
            }

            _status = SiloStatus.ShuttingDown;
        }
    }

    /// <summary>Graceful leave: ShuttingDown (when not yet), then Dead, then the protocol stops.</summary>
    /// <summary>
    /// Whether <see cref="StopAsync"/> wrote this silo's row Dead. Only then may peers be told it left: a peer told so
    /// stops voting against it, and a row still Active in the table would then never reach its votes.
    /// </summary>
    public bool LeaveWritten { get; private set; }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_status == SiloStatus.Dead)
        {
            StopDuties();
            return;
        }

        await ShutDownAsync(cancellationToken).ConfigureAwait(false);
        StopDuties();
        if (await WriteOwnRowAsync("leave", e => e with { Status = SiloStatus.Dead, IAmAliveTime = _time.GetUtcNow() }, cancellationToken).ConfigureAwait(false)
            || (_status == SiloStatus.ShuttingDown && await WriteBackLeftRowAsync(cancellationToken).ConfigureAwait(false)))
        {
            LeaveWritten = true;
            StatusWritten?.Invoke();
        }

        _status = SiloStatus.Dead;
        MembershipAgentLog.Left(_logger, LocalSilo);
    }

    public Task RefreshAsync(CancellationToken cancellationToken = default) => ReadAsync(cancellationToken);

    /// <summary>
    /// Writes this silo's metadata now (the periodic refresh only writes what the provider returns). False when
    /// the silo's row is gone or Dead.
    /// </summary>
    public Task<bool> UpdateMetadataAsync(IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return WriteOwnRowAsync(
            "metadata update",
            e => MembershipEntry.SameMetadata(e.Metadata, metadata) ? null : e with { Metadata = metadata, IAmAliveTime = _time.GetUtcNow() },
            cancellationToken);
    }

    public IAsyncEnumerable<MembershipUpdate> WatchAsync(CancellationToken cancellationToken = default) =>
        _publisher.WatchAsync(cancellationToken);

    /// <summary>Stops the protocol without writing anything (what a crash looks like to the others).</summary>
    public ValueTask DisposeAsync()
    {
        StopDuties();
        return ValueTask.CompletedTask;
    }

    /// <summary>Completes when no table work of this agent is in progress (tests with a fake clock).</summary>
    internal Task WhenIdleAsync() => _work.WhenIdleAsync();

    /// <summary>Reads the table, publishes the snapshot and checks this silo's own row.</summary>
    private async Task<MembershipTableData> ReadAsync(CancellationToken cancellationToken)
    {
        MembershipTableData data;
        bool declaredDead;
        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            data = WithLeftPeers(await ReadTableAsync(cancellationToken).ConfigureAwait(false));
            _publisher.Publish(data, _time.GetUtcNow(), _options.MissingRowGracePeriod);
            var own = data.Find(LocalSilo);
            var running = _status is SiloStatus.Active or SiloStatus.ShuttingDown;
            _rowMissing = own is null && running && !_leaving;
            declaredDead = own?.Entry.Status == SiloStatus.Dead && !_leaving
                && _status != SiloStatus.Created && Interlocked.Exchange(ref _declaredDead, 1) == 0;
        }
        finally
        {
            _readLock.Release();
        }

        if (declaredDead)
        {
            _status = SiloStatus.Dead;
            StopDuties();
            MembershipAgentLog.SelfDeclaredDead(_logger, LocalSilo);
            DeclaredDead?.Invoke(LocalSilo);
        }

        return data;
    }

    private Task HeartbeatAsync()
    {
        var now = _time.GetUtcNow();
        return _table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = LocalSilo, IAmAliveTime = now }, _stopping.Token);
    }

    private async Task RefreshTickAsync()
    {
        var data = await ReadAsync(_stopping.Token).ConfigureAwait(false);
        if (_rowMissing)
        {
            await RestoreOwnRowAsync(data).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        if (_options.DefunctSiloExpiration > TimeSpan.Zero && now - _lastCleanup >= _options.DefunctSiloCleanupPeriod)
        {
            _lastCleanup = now;
            await _table.CleanupDefunctSiloEntriesAsync(now - _options.DefunctSiloExpiration, _stopping.Token).ConfigureAwait(false);
        }
    }

    // The table lost this silo's row without a death verdict (e.g. Redis restarted without persistence): the
    // silo is alive, so it writes its row again rather than stopping a healthy cluster.
    private async Task RestoreOwnRowAsync(MembershipTableData data)
    {
        var entry = NewOwnEntry(_status, _time.GetUtcNow());
        MembershipAgentLog.RowRestored(_logger, LocalSilo);
        if (await _table.InsertRowAsync(entry, data.Version.Next(), _stopping.Token).ConfigureAwait(false))
        {
            await ReadAsync(_stopping.Token).ConfigureAwait(false);
            StatusWritten?.Invoke();
        }
    }

    private async Task RefreshMetadataAsync()
    {
        if (ReadMetadata() is not { } metadata)
        {
            return;
        }

        await UpdateMetadataAsync(metadata, _stopping.Token).ConfigureAwait(false);
    }

    private MembershipEntry NewOwnEntry(SiloStatus status, DateTimeOffset now) => new()
    {
        SiloAddress = LocalSilo,
        SiloName = _local.SiloName,
        Status = status,
        HostName = _local.HostName,
        ProxyPort = _local.ProxyPort,
        Roles = _local.Roles,
        Metadata = ReadMetadata() ?? new Dictionary<string, string>(),
        StartTime = _startTime,
        IAmAliveTime = now,
    };

    private IReadOnlyDictionary<string, string>? ReadMetadata() => _metadataProvider?.Invoke();

    private void StopDuties()
    {
        IDisposable[] duties;
        lock (_duties)
        {
            duties = [.. _duties];
            _duties.Clear();
        }

        foreach (var duty in duties)
        {
            duty.Dispose();
        }

        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }
    }
}
