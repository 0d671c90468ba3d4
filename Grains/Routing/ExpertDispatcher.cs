using System.Buffers;
using System.Diagnostics;
using DistInfer.Engine.Model;
using DistInfer.Grains.Compute;
using DistInfer.Runtime;
using DistInfer.Runtime.Messaging;

namespace DistInfer.Grains.Routing;

/// <summary>
/// A stage's router to expert replicas. For each expert of a routed step it splits the expert's tokens over the
/// expert's replicas by water-filling on outstanding tokens (a lone token goes to the replica with the fewest
/// outstanding tokens, ties to the one this stage sent the fewest tokens), so each replica gets at most one call per
/// step; the outputs come back in the expert's token order, so the engine's combine sees what it would in-process.
/// Keeps per-replica statistics (tokens dispatched, outstanding) and follows replica-set updates from the balancer,
/// draining the replicas that left the set before the update completes.
/// </summary>
/// <remarks>
/// Used from one grain activation's turns (one thread at a time); slot counters are atomic for readers. An expert
/// whose every replica holds its weights on this silo (<paramref name="local"/>) runs in the caller's turn, after the
/// calls to other silos are on their way.
/// </remarks>
public sealed partial class ExpertDispatcher(IGrainFactory grains, LocalExperts? local = null)
{
    private readonly Dictionary<(int Layer, int Expert), ReplicaSlot[]> _table = [];
    private readonly Dictionary<string, ReplicaSlot> _slots = new(StringComparer.Ordinal);
    private readonly List<ReplicaSlot> _draining = [];

    // Pooled output blocks of the local experts of the last RunAsync: valid until the next RunAsync gives them back.
    private readonly List<float[]> _lent = [];
    private StageLoadRequest? _request;
    private TaskCompletionSource? _drained;

    /// <summary>
    /// Pin (see <see cref="ExpertKey.PinOf"/>) of the silo this dispatcher's stage runs on, when known: replicas pinned
    /// there are called after the others, because an idle local expert may run its turn on the calling thread, and the
    /// remote calls should be on the wire while it computes, not wait for it.
    /// </summary>
    public string? LocalPin { get; set; }

    /// <summary>Runs every expert with tokens in <paramref name="routing"/> on its replicas; outputs [count, H] per expert.</summary>
    public async Task<float[]?[]> RunAsync(TransformerModel model, int layer, MoeRouting routing, float[] normed)
    {
        ReturnLent();
        var experts = model.Config.NumExperts;
        var outputs = new float[]?[experts];
        var calls = new List<Task>();
        List<int>? pinnedHere = null;
        List<int>? here = null;
        Dictionary<string, List<(int Expert, ReplicaSlot Slot)>>? bySilo = null;
        for (var e = 0; e < experts; e++)
        {
            if (routing.TokenCount(e) == 0)
            {
                continue;
            }

            var slots = SlotsOf(model, layer, e);
            if (AllLoadedHere(slots))
            {
                (here ??= []).Add(e);
            }
            else if (AllPinnedHere(slots))
            {
                (pinnedHere ??= []).Add(e);
            }
            else if (!TryGroup(slots, routing.TokenCount(e), e, ref bySilo))
            {
                Start(model, layer, e, routing, normed, outputs, calls);
            }
        }

        if (bySilo is not null)
        {
            StartBySilo(model, bySilo, routing, normed, outputs, calls);
        }

        if (pinnedHere is not null)
        {
            foreach (var e in pinnedHere)
            {
                Start(model, layer, e, routing, normed, outputs, calls);
            }
        }

        if (here is not null)
        {
            foreach (var e in here)
            {
                if (!TryRunHere(model, e, routing, normed, SlotsOf(model, layer, e), outputs))
                {
                    // Its grain left since the check: a call reactivates it wherever placement puts it.
                    Start(model, layer, e, routing, normed, outputs, calls);
                }
            }
        }

        await Task.WhenAll(calls);
        return outputs;
    }

    /// <summary>Expert <paramref name="e"/>'s tokens through the weights its picked replica registered on this silo.</summary>
    private bool TryRunHere(TransformerModel model, int e, MoeRouting routing, float[] normed, ReplicaSlot[] slots, float[]?[] outputs)
    {
        var slot = Pick(slots);
        if (local!.Find(slot.Key) is not { } expert)
        {
            return false;
        }

        // Pooled blocks, as the engine's MoE layer uses: the output may be longer than count × H (the combine reads
        // only that much) and goes back to the pool at the next RunAsync.
        var count = routing.TokenCount(e);
        var size = count * model.Config.HiddenSize;
        var block = ArrayPool<float>.Shared.Rent(size);
        var output = ArrayPool<float>.Shared.Rent(size);
        _lent.Add(output);
        try
        {
            MoeBlock.Gather(normed, routing.TokensOf(e), model.Config.HiddenSize, block.AsSpan(0, size));
            slot.Served(count);
            expert.Forward(block.AsSpan(0, size), count, output.AsSpan(0, size));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(block);
        }

        outputs[e] = output;
        return true;
    }

    private void ReturnLent()
    {
        foreach (var array in _lent)
        {
            ArrayPool<float>.Shared.Return(array);
        }

        _lent.Clear();
    }

    private bool AllLoadedHere(ReplicaSlot[] slots)
    {
        if (local is null)
        {
            return false;
        }

        foreach (var slot in slots)
        {
            if (local.Find(slot.Key) is null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Starts the call(s) of expert <paramref name="e"/>: one per replica that gets tokens.</summary>
    private void Start(TransformerModel model, int layer, int e, MoeRouting routing, float[] normed, float[]?[] outputs, List<Task> calls)
    {
        var count = routing.TokenCount(e);
        var h = model.Config.HiddenSize;
        var slots = SlotsOf(model, layer, e);
        var block = model.MoeExpertInput(routing, e, normed);
        if (slots.Length == 1 || count == 1)
        {
            calls.Add(RunWholeAsync(outputs, e, Pick(slots), block, count));
            return;
        }

        var shares = Split(slots, count);
        var output = outputs[e] = new float[count * h];
        var first = 0;
        for (var r = 0; r < slots.Length; r++)
        {
            if (shares[r] > 0)
            {
                calls.Add(RunPartAsync(output, slots[r], block, first, shares[r], h));
                first += shares[r];
            }
        }
    }

    private bool AllPinnedHere(ReplicaSlot[] slots)
    {
        if (LocalPin is not { Length: > 0 } here)
        {
            return false;
        }

        foreach (var slot in slots)
        {
            if (slot.Pin != here)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The replica each expert of <paramref name="layer"/> would get its tokens on, into <paramref name="picked"/>,
    /// when every replica of every expert of the layer passes <paramref name="isLocal"/> (so whichever is picked is
    /// local); false, leaving the layer to <see cref="RunAsync"/>, otherwise. The caller reports the tokens each
    /// picked replica then ran with <see cref="ReplicaSlot.Served"/>.
    /// </summary>
    public bool TryPickLocal(TransformerModel model, int layer, Func<string, bool> isLocal, ReplicaSlot[] picked)
    {
        for (var e = 0; e < picked.Length; e++)
        {
            var slots = SlotsOf(model, layer, e);
            foreach (var slot in slots)
            {
                if (!isLocal(slot.Key))
                {
                    return false;
                }
            }

            picked[e] = Pick(slots);
        }

        return true;
    }

    private async Task RunWholeAsync(float[]?[] outputs, int expert, ReplicaSlot slot, float[] block, int rows) =>
        outputs[expert] = await CallAsync(slot, block, rows);

    private async Task RunPartAsync(float[] output, ReplicaSlot slot, float[] block, int first, int rows, int h)
    {
        var part = block.AsSpan(first * h, rows * h).ToArray();
        var result = await CallAsync(slot, part, rows);
        result.CopyTo(output.AsSpan(first * h, rows * h));
    }

    /// <summary>One call to a replica; its answer must hold exactly one output row per input row (the combine reads no more).</summary>
    private async Task<float[]> CallAsync(ReplicaSlot slot, float[] block, int rows)
    {
        var result = await CallUncheckedAsync(slot, block, rows);
        return result.Length == block.Length
            ? result
            : throw new InvalidOperationException($"layer {slot.Layer} expert {slot.Expert} replica {slot.Key} returned {result.Length} values for {rows} rows");
    }

    private async Task<float[]> CallUncheckedAsync(ReplicaSlot slot, float[] block, int rows)
    {
        slot.Begin(rows);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var grain = grains.GetGrain<IExpertGrain>(slot.Key);
            try
            {
                return await grain.Forward(block, rows);
            }
            catch (Exception e) when (e is ExpertNotLoadedException or SiloUnavailableException)
            {
                // The replica was reactivated without weights (its silo died), or its silo is gone and the retry places
                // it elsewhere: load and call once more. Other failures (a timeout on a busy replica, a bad request)
                // are not repeated: a second call would double the load, or fail the same way.
                await grain.Load(new ExpertLoadRequest { ModelPath = _request!.ModelPath, Layer = slot.Layer, Expert = slot.Expert, Sources = _request.Sources });
                return await grain.Forward(block, rows);
            }
        }
        finally
        {
            End(slot, rows, started);
        }
    }

    /// <summary>A call to <paramref name="slot"/> ended; the last one out of a draining replica completes the drain.</summary>
    private void End(ReplicaSlot slot, int rows, long started) => Settle(slot, slot.End(rows, started));

    /// <summary>
    /// A grouped call's count for <paramref name="slot"/> is taken back (its tokens went to the replica's grain). It can
    /// be the last one out: that call may have finished first, inline.
    /// </summary>
    private void Withdraw(ReplicaSlot slot, int rows) => Settle(slot, slot.Withdraw(rows));

    private void Settle(ReplicaSlot slot, long outstanding)
    {
        if (outstanding == 0 && _drained is { } drained && _draining.Contains(slot))
        {
            if (DrainedAsync().IsCompleted)
            {
                _drained = null;
                drained.TrySetResult();
            }
        }
    }
}
