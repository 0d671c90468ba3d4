using DistInfer.Runtime.Activation;
using DistInfer.Runtime.Directory;
using DistInfer.Runtime.Invocation;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Hosting;

/// <summary>
/// Where every grain call on a silo goes: a local activation (no serialization, mutable arguments deep-copied), a
/// system target, or the silo the directory (or placement) names, over TCP.
/// </summary>
internal sealed partial class SiloRouter : IGrainCallRuntime, IIncomingRequestHandler, ICallRetry
{
    private const int MaxForwards = 3;
    private readonly SiloAddress _self;
    private readonly GrainDirectory _directory;
    private readonly PlacementService _placement;
    private readonly MessageCenter _messages;
    private readonly ConnectionManager _connections;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, object> _systemTargets = new(StringComparer.Ordinal);
    private Catalog? _catalog;

    public SiloRouter(SiloAddress self, IGrainFactory factory, GrainDirectory directory, PlacementService placement, MessageCenter messages, ConnectionManager connections, TimeProvider time)
    {
        _self = self;
        GrainFactory = factory;
        _directory = directory;
        _placement = placement;
        _messages = messages;
        _connections = connections;
        _time = time;
        _systemTargets[GrainDirectory.SystemTargetType] = directory.Local;
    }

    public IGrainFactory GrainFactory { get; }

    public Catalog Catalog { get => _catalog!; set => _catalog = value; }

    public void AddSystemTarget(string type, object target) => _systemTargets[type] = target;

    /// <summary>Set once the silo stopped or was declared dead: calls through it fail at once.</summary>
    public bool Stopped { get; set; }

    public ValueTask<object?> InvokeAsync(GrainId target, GrainRequest request)
    {
        if (Stopped)
        {
            return ValueTask.FromException<object?>(new SiloUnavailableException($"Silo {_self} is stopped"));
        }

        if (!target.IsSystemTarget)
        {
            if (Catalog.TryGetLocal(target, out var activation))
            {
                return InvokeLocal(activation, request, copied: false);
            }

            // Fast path: a known remote activation over an open connection; the caller awaits the pending call itself
            // (no routing state machines), and a lost connection still re-routes it (TryRetry).
            if (!request.IsOneWay && _directory.TryGetCached(target, out var silo) && silo != _self && _connections.TryGetOpen(silo, out var connection))
            {
                var pending = _messages.SendRequestAsync(connection, target, request, this, silo);
                if (!pending.IsFaulted || !connection.IsClosed)
                {
                    return pending;
                }

                _ = pending.AsTask().Exception; // Closed meanwhile: route it as usual.
            }
        }

        return RouteAsync(target, request, copied: false, placedHere: false);
    }

    public bool TryRetry(PendingCall call, SiloAddress silo, Exception error)
    {
        if (Stopped || !_directory.OnSiloUnavailable(call.Target, silo))
        {
            return false;
        }

        _ = CompleteRetried(call, RouteAsync(call.Target, call.Request, copied: false, placedHere: false, firstAttempt: 1));
        return true;

        static async Task CompleteRetried(PendingCall call, ValueTask<object?> pending)
        {
            try
            {
                call.TrySetResult(await pending.ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                call.TrySetException(ex);
            }
        }
    }

    public void SendOneWay(GrainId target, GrainRequest request) => _ = DeliverOneWayAsync(target, request);

    public ValueTask<object?> HandleAsync(GrainId target, GrainRequest request, bool fromClient)
    {
        if (Stopped)
        {
            return ValueTask.FromException<object?>(new SiloUnavailableException($"Silo {_self} is stopped"));
        }

        var routed = RouteAsync(target, request, copied: true, placedHere: !fromClient);
        if (!Draining)
        {
            return routed;
        }

        var forwarded = routed.AsTask();
        Track(forwarded);
        return new ValueTask<object?>(forwarded);
    }

    public bool TryDeliverLocal(GrainId target, GrainRequest request, IResponseSink sink)
    {
        if (Stopped || target.IsSystemTarget || !Catalog.TryGetLocal(target, out var activation))
        {
            return false;
        }

        activation.Enqueue(new WorkItem(request, sink), allowInline: true);
        return true;
    }

    /// <summary>Requests left in a deactivated activation's queue go through routing again.</summary>
    public void Reroute(ActivationData from, WorkItem item)
    {
        if (item.Request is null)
        {
            item.Sink.Fail(new OperationCanceledException("The activation was deactivated"));
            return;
        }

        Track(Complete(item.Sink, RouteAsync(from.GrainId, item.Request, copied: true, placedHere: false)));

        static async Task Complete(IResponseSink sink, ValueTask<object?> pending)
        {
            try
            {
                sink.Complete(await pending.ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                sink.Fail(ex);
            }
        }
    }

    private async Task DeliverOneWayAsync(GrainId target, GrainRequest request)
    {
        try
        {
            await RouteAsync(target, request, copied: false, placedHere: false, oneWay: true).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // One-way: the caller asked not to hear about failures.
        }
    }

    /// <param name="copied">The request is already a private copy (deserialized), so local delivery needs no copy.</param>
    /// <param name="placedHere">A remote silo placed the grain on this silo: activate here if the directory has no entry.</param>
    private async ValueTask<object?> RouteAsync(GrainId target, GrainRequest request, bool copied, bool placedHere, bool oneWay = false, int firstAttempt = 0)
    {
        if (target.IsSystemTarget)
        {
            var silo = SiloAddress.Parse(target.Key);
            if (silo == _self)
            {
                return _systemTargets.TryGetValue(target.Type, out var systemTarget)
                    ? await request.InvokeAsync(systemTarget).ConfigureAwait(false)
                    : throw new InvalidOperationException($"No system target '{target.Type}' on {_self}");
            }

            return await SendRemoteAsync(silo, target, request, oneWay).ConfigureAwait(false);
        }

        for (var attempt = firstAttempt; ; attempt++)
        {
            if (Catalog.TryGetLocal(target, out var local))
            {
                return await InvokeLocal(local, request, copied).ConfigureAwait(false);
            }

            if (Catalog.HostsStatelessWorker(target, out var workerInfo))
            {
                return await InvokeLocal(Catalog.GetWorker(target, workerInfo), request, copied).ConfigureAwait(false);
            }

            var address = await _directory.LookupAsync(target).ConfigureAwait(false);
            if (address is null)
            {
                // A remote silo already placed the grain here; otherwise place it now.
                address = placedHere ? _self : await _placement.PlaceAsync(target).ConfigureAwait(false);
            }

            if (address == _self && Draining)
            {
                address = await PlaceElsewhereAsync(target).ConfigureAwait(false);
            }

            if (address == _self)
            {
                var (activation, winner) = await Catalog.GetOrActivateAsync(target).ConfigureAwait(false);
                if (activation is not null)
                {
                    return await InvokeLocal(activation, request, copied).ConfigureAwait(false);
                }

                address = winner;
            }

            try
            {
                return await SendRemoteAsync(address.Value, target, request, oneWay).ConfigureAwait(false);
            }
            catch (SiloUnavailableException) when (_directory.OnSiloUnavailable(target, address.Value) && attempt < MaxForwards)
            {
                // The silo left; its directory entries are gone (or evicted on look-up), so the next attempt re-places the grain.
            }
        }
    }

    private ValueTask<object?> InvokeLocal(ActivationData activation, GrainRequest request, bool copied)
    {
        // Local calls skip serialization; arguments are deep-copied unless immutable (Orleans semantics).
        var delivered = copied ? request : request.CopyForLocalCall();
        if (request.IsOneWay)
        {
            activation.Enqueue(new WorkItem(delivered, new TaskResponseSink()));
            return default;
        }

        var timeout = request.ResponseTimeout ?? _messages.Options.ResponseTimeout;
        var sink = new TaskResponseSink(request, timeout, _messages.Timeouts, _time, copyResult: !copied);
        activation.Enqueue(new WorkItem(delivered, sink), allowInline: true);
        return new ValueTask<object?>(sink.Task);
    }

    private async ValueTask<object?> SendRemoteAsync(SiloAddress silo, GrainId target, GrainRequest request, bool oneWay)
    {
        var connection = await _connections.GetAsync(silo).ConfigureAwait(false);
        if (oneWay || request.IsOneWay)
        {
            _messages.SendOneWay(connection, target, request);
            return null;
        }

        var started = _time.GetTimestamp();
        var failed = true;
        try
        {
            var result = await _messages.SendRequestAsync(connection, target, request).ConfigureAwait(false);
            failed = false;
            return result;
        }
        finally
        {
            RuntimeMetrics.RecordCall(_time.GetElapsedTime(started), failed);
        }
    }
}
