using System.Globalization;
using DistInfer.Runtime.Membership;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Cluster;

/// <summary>
/// The runtime's membership seam backed by the membership protocol: the first <see cref="PublishAsync"/> joins the
/// table through a <see cref="MembershipAgent"/> (probes, votes, death declarations), later ones write the silo's
/// statistics into its row, <see cref="LeaveAsync"/> leaves gracefully. Snapshots are converted from the table's
/// rows; statistics and grain interfaces travel as metadata key-values (<see cref="SiloMetadataKeys"/>).
/// </summary>
public sealed class MembershipProtocolService : IClusterMembershipService, IMembershipGossip, IAsyncDisposable
{
    private readonly IMembershipTable _table;
    private readonly IProbeTransport _probes;
    private readonly IOptions<MembershipOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory? _loggers;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private MembershipAgent? _agent;
    private IReadOnlyDictionary<string, string> _metadata = new Dictionary<string, string>();
    private readonly Dictionary<SiloAddress, long> _vanishedSince = [];
    private ClusterMembershipSnapshot _current = ClusterMembershipSnapshot.Empty;

    public MembershipProtocolService(IMembershipTable table, IProbeTransport probes, IOptions<MembershipOptions> options, TimeProvider time, ILoggerFactory? loggers = null)
    {
        _table = table;
        _probes = probes;
        _options = options;
        _time = time;
        _loggers = loggers;
    }

    public event Action<ClusterMembershipSnapshot>? Changed;

    private Task _lastTell = Task.CompletedTask;

    /// <inheritdoc/>
    public Func<Task>? TellPeers { get; set; }

    /// <inheritdoc/>
    public Func<Task>? TellPeersLeft { get; set; }

    /// <summary>Raised when this silo was voted dead; the host must stop.</summary>
    public event Action<SiloAddress>? DeclaredDead;

    public ClusterMembershipSnapshot Current => Volatile.Read(ref _current);

    /// <summary>The protocol's own view (gossip hook: call RefreshAsync on it when a peer reports a change).</summary>
    public IMembershipView? View => _agent;

    /// <inheritdoc/>
    public string? StorageProblem => _agent?.TableProblem;

    public async ValueTask PublishAsync(SiloInfo self, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(self);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var metadata = ToMetadata(self);
            Volatile.Write(ref _metadata, metadata);
            if (_agent is null)
            {
                var local = new LocalSiloDetails(self.Address, self.Name) { ProxyPort = self.ClientPort, Roles = [.. self.Roles] };
                var agent = new MembershipAgent(_table, _probes, local, _options, _time, _loggers?.CreateLogger<MembershipAgent>(), () => Volatile.Read(ref _metadata));
                agent.MembershipChanged += update => Publish(update.Snapshot);
                agent.DeclaredDead += silo => DeclaredDead?.Invoke(silo);
                agent.StatusWritten += OnStatusWritten;
                await agent.StartAsync(cancellationToken).ConfigureAwait(false);
                _agent = agent;
                Publish(agent.CurrentSnapshot);
            }
            else
            {
                await _agent.UpdateMetadataAsync(metadata, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Writes ShuttingDown into this silo's row and waits until the other silos have seen it (until then they still
    /// resolve grains here): the peers' confirmation of the gossip, or, with nobody gossiping, two table refresh
    /// periods, as they learn it from their periodic read.
    /// </summary>
    public async ValueTask ShutDownAsync(SiloAddress self, CancellationToken cancellationToken = default)
    {
        if (_agent is { } agent && agent.LocalSilo == self && agent.Status == SiloStatus.Active)
        {
            await agent.ShutDownAsync(cancellationToken).ConfigureAwait(false);
            if (TellPeers is not null)
            {
                await Volatile.Read(ref _lastTell).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (Current.ActiveSilos.Count > 0)
            {
                await Task.Delay(_options.Value.TableRefreshTimeout * 2, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask LeaveAsync(SiloAddress self, CancellationToken cancellationToken = default)
    {
        if (_agent is { } agent && agent.LocalSilo == self)
        {
            await agent.StopAsync(cancellationToken).ConfigureAwait(false);
            if (agent.LeaveWritten && TellPeersLeft is { } tell)
            {
                await tell().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // The agent wrote a status: the silo tells its peers; the last telling is kept for ShutDownAsync to await.
    private void OnStatusWritten()
    {
        if (TellPeers is { } tell)
        {
            Volatile.Write(ref _lastTell, tell());
        }
    }

    /// <inheritdoc/>
    public Task RefreshAsync(CancellationToken cancellationToken = default) =>
        _agent?.RefreshAsync(cancellationToken) ?? Task.CompletedTask;

    /// <inheritdoc/>
    public Task PeerLeftAsync(SiloAddress silo, CancellationToken cancellationToken = default) =>
        _agent?.PeerLeftAsync(silo, cancellationToken) ?? Task.CompletedTask;

    public ValueTask DisposeAsync() => _agent?.DisposeAsync() ?? ValueTask.CompletedTask;

    private void Publish(MembershipSnapshot snapshot)
    {
        var silos = new List<SiloInfo>(snapshot.Members.Count);
        foreach (var entry in snapshot.Members.Values)
        {
            silos.Add(ToSiloInfo(entry));
        }

        ClusterMembershipSnapshot next;
        lock (_vanishedSince)
        {
            if (snapshot.Version <= Volatile.Read(ref _current).Version)
            {
                // Already published (the join republishes the agent's current snapshot, which a table read on
                // another thread may have overtaken): an older view must never replace a newer one.
                return;
            }

            KeepVanished(snapshot, silos);
            next = new ClusterMembershipSnapshot(snapshot.Version, silos);
            Volatile.Write(ref _current, next);
        }

        Changed?.Invoke(next);
    }

    // A live silo's row only leaves the table by a death verdict; a row that vanished without one means the storage
    // lost data (Redis restarted without persistence). Its owner writes it back within a refresh, so the view keeps
    // the last known state for a grace period instead of tearing the directory ring apart meanwhile.
    private void KeepVanished(MembershipSnapshot snapshot, List<SiloInfo> silos)
    {
        var grace = _options.Value.ProbeTimeout * (_options.Value.NumMissedProbesLimit + 2);
        foreach (var previous in Volatile.Read(ref _current).Silos)
        {
            if (previous.Status == SiloStatus.Dead || snapshot.Members.ContainsKey(previous.Address))
            {
                _vanishedSince.Remove(previous.Address);
                continue;
            }

            if (!_vanishedSince.TryGetValue(previous.Address, out var since))
            {
                since = _time.GetTimestamp();
                _vanishedSince[previous.Address] = since;
            }

            if (_time.GetElapsedTime(since) < grace)
            {
                silos.Add(previous);
            }
            else
            {
                _vanishedSince.Remove(previous.Address);
            }
        }
    }

    private static Dictionary<string, string> ToMetadata(SiloInfo self)
    {
        var stats = self.Statistics;
        var accelerators = new List<AcceleratorMetadata>(stats.Accelerators.Count);
        foreach (var a in stats.Accelerators)
        {
            accelerators.Add(new AcceleratorMetadata(a.Name, a.MemoryTotalBytes, a.MemoryFreeBytes));
        }

        var custom = new Dictionary<string, string>(self.Metadata, StringComparer.Ordinal)
        {
            [SiloMetadataKeys.GrainInterfaces] = string.Join(SiloMetadataKeys.ListSeparator, self.GrainInterfaces.Order(StringComparer.Ordinal)),
            [SiloMetadataKeys.RecentActivationCount] = stats.RecentlyUsedActivationCount.ToString(CultureInfo.InvariantCulture),
            [SiloMetadataKeys.CpuUsagePercent] = (stats.CpuUsage * 100).ToString("0.##", CultureInfo.InvariantCulture),
            [SiloMetadataKeys.CpuCount] = stats.CpuCount.ToString(CultureInfo.InvariantCulture),
            [SiloMetadataKeys.WireProtocol] = self.WireProtocol.ToString(CultureInfo.InvariantCulture),
            [SiloMetadataKeys.MemoryTotalBytes] = stats.MemoryTotalBytes.ToString(CultureInfo.InvariantCulture),
            [SiloMetadataKeys.MemoryAvailableBytes] = stats.MemoryAvailableBytes.ToString(CultureInfo.InvariantCulture),
            [SiloMetadataKeys.ProcessMemoryBytes] = stats.ProcessMemoryBytes.ToString(CultureInfo.InvariantCulture),
        };
        return SiloMetadata.Collect(accelerators, custom, stats.ActivationCount);
    }

    private static SiloInfo ToSiloInfo(MembershipEntry entry)
    {
        var m = entry.Metadata;
        var accelerators = new List<AcceleratorInfo>();
        foreach (var a in SiloMetadata.GetAccelerators(m))
        {
            accelerators.Add(new AcceleratorInfo(a.Name, a.MemoryTotalBytes, a.MemoryFreeBytes));
        }

        return new SiloInfo
        {
            Address = entry.SiloAddress,
            Name = entry.SiloName,
            GatewayPort = entry.ProxyPort,
            Status = entry.Status,
            Roles = new HashSet<string>(entry.Roles, StringComparer.Ordinal),
            Metadata = m,
            WireProtocol = (int)Number(m, SiloMetadataKeys.WireProtocol),
            GrainInterfaces = m.TryGetValue(SiloMetadataKeys.GrainInterfaces, out var list)
                ? new HashSet<string>(list.Split(SiloMetadataKeys.ListSeparator, StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal)
                : new HashSet<string>(StringComparer.Ordinal),
            Statistics = new SiloStatistics
            {
                ActivationCount = (int)Number(m, SiloMetadataKeys.ActivationCount),
                RecentlyUsedActivationCount = (int)Number(m, SiloMetadataKeys.RecentActivationCount),
                CpuUsage = m.TryGetValue(SiloMetadataKeys.CpuUsagePercent, out var cpu) && double.TryParse(cpu, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) ? percent / 100 : 0,
                CpuCount = (int)Number(m, SiloMetadataKeys.CpuCount),
                MemoryTotalBytes = Number(m, SiloMetadataKeys.MemoryTotalBytes),
                MemoryAvailableBytes = Number(m, SiloMetadataKeys.MemoryAvailableBytes),
                ProcessMemoryBytes = Number(m, SiloMetadataKeys.ProcessMemoryBytes),
                Accelerators = accelerators,
                UpdatedUtc = entry.IAmAliveTime.UtcDateTime,
            },
        };
    }

    private static long Number(IReadOnlyDictionary<string, string> metadata, string key) =>
        SiloMetadata.TryGetInt64(metadata, key, out var value) ? value : 0;
}
