using System.Diagnostics;
using DistInfer.Engine.Model;

namespace DistInfer.Grains.Routing;

/// <summary>
/// Calls grouped by silo: the experts of a step whose picked replicas are pinned to the same other silo go there in
/// one call to its <see cref="IExpertHostGrain"/> (one message each way instead of one per expert). A replica the
/// host does not hold, or a host call that fails (its silo left), falls back to calls to the replicas' own grains,
/// which reload or reactivate them as usual.
/// </summary>
public sealed partial class ExpertDispatcher
{
    /// <summary>Whether experts on one other silo share a call (on by default; off: one call per expert).</summary>
    public bool GroupBySilo { get; set; } = true;

    /// <summary>
    /// Files expert <paramref name="e"/> under its picked replica's silo when its tokens go to one replica pinned to a
    /// silo other than this one; false leaves it to <see cref="Start"/>.
    /// </summary>
    private bool TryGroup(ReplicaSlot[] slots, int count, int e, ref Dictionary<string, List<(int Expert, ReplicaSlot Slot)>>? bySilo)
    {
        if (!GroupBySilo || (slots.Length > 1 && count > 1))
        {
            return false;
        }

        var slot = Pick(slots);
        if (slot.Pin.Length == 0 || slot.Pin == LocalPin)
        {
            return false;
        }

        bySilo ??= new Dictionary<string, List<(int Expert, ReplicaSlot Slot)>>(StringComparer.Ordinal);
        if (!bySilo.TryGetValue(slot.Pin, out var group))
        {
            bySilo[slot.Pin] = group = [];
        }

        group.Add((e, slot));
        return true;
    }

    private void StartBySilo(TransformerModel model, Dictionary<string, List<(int Expert, ReplicaSlot Slot)>> bySilo, MoeRouting routing, float[] normed, float[]?[] outputs, List<Task> calls)
    {
        foreach (var (pin, group) in bySilo)
        {
            if (group.Count == 1)
            {
                var (e, slot) = group[0];
                calls.Add(RunWholeAsync(outputs, e, slot, model.MoeExpertInput(routing, e, normed), routing.TokenCount(e)));
            }
            else
            {
                calls.Add(RunOnHostAsync(model.Config.HiddenSize, pin, group, routing, normed, outputs));
            }
        }
    }

    private async Task RunOnHostAsync(int h, string pin, List<(int Expert, ReplicaSlot Slot)> group, MoeRouting routing, float[] normed, float[]?[] outputs)
    {
        var keys = new string[group.Count];
        var rows = new int[group.Count];
        var total = 0;
        for (var i = 0; i < group.Count; i++)
        {
            keys[i] = group[i].Slot.Key;
            rows[i] = routing.TokenCount(group[i].Expert);
            total += rows[i];
        }

        var tokens = new float[total * h];
        var offset = 0;
        for (var i = 0; i < group.Count; i++)
        {
            MoeBlock.Gather(normed, routing.TokensOf(group[i].Expert), h, tokens.AsSpan(offset, rows[i] * h));
            offset += rows[i] * h;
            group[i].Slot.Begin(rows[i]);
        }

        var started = Stopwatch.GetTimestamp();
        ExpertBatchResult? result = null;
        var missing = new bool[group.Count];
        try
        {
            result = await grains.GetGrain<IExpertHostGrain>(pin).Forward(new ExpertBatch { Keys = keys, Rows = rows, Tokens = tokens });
            if (result.Outputs.Length != tokens.Length)
            {
                throw new InvalidOperationException($"expert host {pin} returned {result.Outputs.Length} values for {total} rows of width {h}");
            }

            foreach (var i in result.Missing)
            {
                missing[i >= 0 && i < group.Count ? i : throw new InvalidOperationException($"expert host {pin} reported replica {i} of {group.Count} missing")] = true;
            }
        }
        catch (Exception)
        {
            // The host's silo left, the call failed or its answer does not fit: every replica goes to its own grain.
            result = null;
            Array.Fill(missing, true);
        }

        List<Task>? fallbacks = null;
        offset = 0;
        for (var i = 0; i < group.Count; i++)
        {
            var (e, slot) = group[i];
            var size = rows[i] * h;
            if (missing[i])
            {
                // The fallback counts its own call (Begin runs before its first await), so the host's count is taken
                // back only after it: the replica never shows nothing outstanding while its tokens are still out.
                (fallbacks ??= []).Add(RunWholeAsync(outputs, e, slot, tokens.AsSpan(offset, size).ToArray(), rows[i]));
                Withdraw(slot, rows[i]);
            }
            else
            {
                End(slot, rows[i], started);

                // The combine reads only the first rows × H values: the first expert's rows need no copy.
                outputs[e] = offset == 0 ? result!.Outputs : result!.Outputs.AsSpan(offset, size).ToArray();
            }

            offset += size;
        }

        if (fallbacks is not null)
        {
            await Task.WhenAll(fallbacks);
        }
    }
}
