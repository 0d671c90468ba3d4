using System.Diagnostics;
using DistInfer.Cluster.Tests.Infrastructure;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Grains;
using DistInfer.Grains.Compute;
using DistInfer.Grains.Routing;

namespace DistInfer.Cluster.Tests.Balancing;

public sealed class ExpertDispatcherTests
{
    private static ReplicaSlot[] Slots(params int[] outstanding)
    {
        var slots = new ReplicaSlot[outstanding.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i] = new ReplicaSlot($"m/0/0/{i}", 0, 0, i);
            slots[i].Begin(outstanding[i]);
        }

        return slots;
    }

    [Fact]
    public void Pick_DifferentOutstanding_ChoosesFewestOutstandingTokens()
    {
        var slots = Slots(5, 2, 7);

        Assert.Same(slots[1], ExpertDispatcher.Pick(slots));
    }

    [Fact]
    public void Pick_EqualOutstanding_ChoosesFewestDispatched()
    {
        var slots = Slots(9, 3, 0);
        slots[0].End(9, Stopwatch.GetTimestamp());
        slots[1].End(3, Stopwatch.GetTimestamp());

        // All idle now; replica 2 has been sent the fewest tokens.
        Assert.Same(slots[2], ExpertDispatcher.Pick(slots));
        slots[2].Begin(1);
        Assert.Same(slots[1], ExpertDispatcher.Pick(slots));
    }

    [Fact]
    public void Split_UnequalOutstanding_FillsTheLeastLoadedFirst()
    {
        var slots = Slots(0, 4, 1);

        var shares = ExpertDispatcher.Split(slots, 8);

        // Levels 0, 4, 1 filled with 8 tokens: 5 → (4 + 0), 4 → (0), 4 → (3 + 1); totals 5, 4, 4.
        Assert.Equal(8, shares.Sum());
        Assert.Equal([5, 0, 3], shares);
    }

    [Fact]
    public void Split_IdleReplicas_SplitsEvenly()
    {
        var shares = ExpertDispatcher.Split(Slots(0, 0, 0), 10);

        Assert.Equal([4, 3, 3], shares);
    }

    [Fact]
    public void End_AllTokensAnswered_NothingOutstanding()
    {
        var slot = Slots(6)[0];

        Assert.Equal(2, slot.End(4, Stopwatch.GetTimestamp()));
        Assert.Equal(0, slot.End(2, Stopwatch.GetTimestamp()));
        Assert.Equal(6, slot.Dispatched);
        Assert.Equal(2, slot.Calls);
    }

    [Fact]
    public void End_CallStartedEarlier_AddsItsWallTime()
    {
        var slot = Slots(2)[0];

        slot.End(1, Stopwatch.GetTimestamp() - Stopwatch.Frequency);
        slot.End(1, Stopwatch.GetTimestamp() - (Stopwatch.Frequency / 2));

        Assert.InRange(slot.CallTime.TotalSeconds, 1.5, 60);
    }

    [Fact]
    public async Task UpdateAsync_ReplicaLeavesWithTokensInFlight_CompletesOnlyOnceTheyReturn()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var experts = new ScriptedExperts();
        var dispatcher = new ExpertDispatcher(experts);
        var layer = 0;
        await dispatcher.UpdateAsync(Request(1, "m/0/0/0@a:1", "m/0/0/1@b:1"));

        // Expert 0 gets 5 tokens, split over its two replicas; both calls stay in flight.
        var routing = new MoeRouting(5, 1, model.Config.NumExperts, [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]);
        var run = dispatcher.RunAsync(model, layer, routing, new float[5 * model.Config.HiddenSize]);
        Assert.Equal(3, experts["m/0/0/0@a:1"].Rows);
        Assert.Equal(2, experts["m/0/0/1@b:1"].Rows);
        Assert.Equal(3, dispatcher.Statistics().Single(r => r.Key == "m/0/0/0@a:1").Outstanding);

        var update = dispatcher.UpdateAsync(Request(2, "m/0/0/0@a:1"));
        var stale = dispatcher.UpdateAsync(Request(1, "m/0/0/0@a:1", "m/0/0/1@b:1"));
        Assert.True(stale.IsCompleted);
        Assert.Equal(2, dispatcher.Version);
        Assert.False(update.IsCompleted, "the update finished while the leaving replica still had 2 tokens in flight");

        experts["m/0/0/0@a:1"].Release();
        experts["m/0/0/1@b:1"].Release();
        await update;
        var outputs = await run;

        Assert.Equal(5 * model.Config.HiddenSize, outputs[0]!.Length);
        Assert.Equal(["m/0/0/0@a:1"], dispatcher.Statistics().Select(r => r.Key));
        Assert.Equal(0, dispatcher.Statistics()[0].Outstanding);
    }

    [Fact]
    public async Task RunAsync_SomeExpertsPinnedToThisSilo_CallsTheOtherSilosFirst()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var experts = new ScriptedExperts();
        var dispatcher = new ExpertDispatcher(experts) { LocalPin = "a:1" };
        await dispatcher.UpdateAsync(Request(1, "m/0/0/0@a:1", "m/0/1/0@b:1", "m/0/2/0@a:1", "m/0/3/0@c:1"));

        // Two tokens, top-2: experts 0 and 1, then 2 and 3.
        var routing = new MoeRouting(2, 2, model.Config.NumExperts, [0, 1, 2, 3], [0.5f, 0.5f, 0.5f, 0.5f]);
        var run = dispatcher.RunAsync(model, 0, routing, new float[2 * model.Config.HiddenSize]);

        Assert.Equal(["m/0/1/0@b:1", "m/0/3/0@c:1", "m/0/0/0@a:1", "m/0/2/0@a:1"], experts.CallOrder);
        foreach (var key in experts.CallOrder)
        {
            experts[key].Release();
        }

        var outputs = await run;
        Assert.All(new[] { 0, 1, 2, 3 }, e => Assert.Equal(model.Config.HiddenSize, outputs[e]!.Length));
    }

    [Fact]
    public async Task RunAsync_NoLocalPin_CallsExpertsInOrder()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var experts = new ScriptedExperts();
        var dispatcher = new ExpertDispatcher(experts);
        await dispatcher.UpdateAsync(Request(1, "m/0/0/0@a:1", "m/0/1/0@b:1"));

        var routing = new MoeRouting(1, 2, model.Config.NumExperts, [0, 1], [0.5f, 0.5f]);
        var run = dispatcher.RunAsync(model, 0, routing, new float[model.Config.HiddenSize]);

        Assert.Equal(["m/0/0/0@a:1", "m/0/1/0@b:1"], experts.CallOrder);
        experts["m/0/0/0@a:1"].Release();
        experts["m/0/1/0@b:1"].Release();
        await run;
    }

    /// <summary>
    /// Any failed call was loaded and repeated: a timeout on a busy replica doubled its load, a bad request failed twice.
    /// Only a replica without weights (reactivated elsewhere) or an unreachable silo is worth a second call.
    /// </summary>
    [Theory]
    [InlineData(true, 2, 1)]
    [InlineData(false, 1, 0)]
    public async Task RunAsync_ReplicaCallFails_RetriedOnlyWhenItHasNoWeights(bool notLoaded, int calls, int loads)
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var experts = new ScriptedExperts();
        var dispatcher = new ExpertDispatcher(experts);
        await dispatcher.UpdateAsync(Request(1, "m/0/0/0@a:1"));
        _ = experts.GetGrain<IExpertGrain>("m/0/0/0@a:1"); // made on first use
        experts["m/0/0/0@a:1"].FailNext = notLoaded ? new ExpertNotLoadedException("reactivated empty") : new TimeoutException("busy");
        experts["m/0/0/0@a:1"].Release();

        var routing = new MoeRouting(1, 1, model.Config.NumExperts, [0], [1f]);
        var run = dispatcher.RunAsync(model, 0, routing, new float[model.Config.HiddenSize]);

        if (notLoaded)
        {
            await run;
        }
        else
        {
            await Assert.ThrowsAsync<TimeoutException>(async () => await run);
        }

        Assert.Equal(calls, experts["m/0/0/0@a:1"].Calls);
        Assert.Equal(loads, experts["m/0/0/0@a:1"].Loads);
    }

    [Fact]
    public async Task RunAsync_TwoExpertsOnOneOtherSilo_SendsTheirTokensInOneHostCall()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var h = model.Config.HiddenSize;
        var experts = new ScriptedExperts();
        var dispatcher = new ExpertDispatcher(experts) { LocalPin = "a:1" };
        await dispatcher.UpdateAsync(Request(1, "m/0/0/0@b:1", "m/0/1/0@b:1", "m/0/2/0@c:1"));
        var normed = Enumerable.Range(0, 2 * h).Select(i => (float)i).ToArray();

        // Token 0 to experts 0 and 1 (both on b:1), token 1 to experts 1 and 2.
        var routing = new MoeRouting(2, 2, model.Config.NumExperts, [0, 1, 1, 2], [0.5f, 0.5f, 0.5f, 0.5f]);
        var run = dispatcher.RunAsync(model, 0, routing, normed);

        var batch = Assert.Single(experts.HostOf("b:1").Batches);
        Assert.Equal(["m/0/0/0@b:1", "m/0/1/0@b:1"], batch.Keys);
        Assert.Equal([1, 2], batch.Rows);
        Assert.Equal([.. normed[..h], .. normed[..h], .. normed[h..]], batch.Tokens);
        // c:1 has one expert of the step: a plain call to its grain.
        Assert.Equal(["m/0/2/0@c:1"], experts.CallOrder);
        Assert.Empty(experts.HostOf("c:1").Batches);
        experts["m/0/2/0@c:1"].Release();
        var outputs = await run;
        Assert.All(outputs[0]![..h], v => Assert.Equal(1f, v));
        Assert.Equal(Enumerable.Repeat(2f, 2 * h), outputs[1]![..(2 * h)]);
        var rows = dispatcher.Statistics().ToDictionary(r => r.Key);
        Assert.Equal((1L, 0L), (rows["m/0/0/0@b:1"].Dispatched, rows["m/0/0/0@b:1"].Outstanding));
        Assert.Equal((2L, 0L), (rows["m/0/1/0@b:1"].Dispatched, rows["m/0/1/0@b:1"].Outstanding));
    }

    [Fact]
    public async Task RunAsync_HostLacksAReplica_CallsThatReplicasGrainWithItsRows()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var h = model.Config.HiddenSize;
        var experts = new ScriptedExperts();
        experts.HostOf("b:1").Missing = [1];
        var dispatcher = new ExpertDispatcher(experts) { LocalPin = "a:1" };
        await dispatcher.UpdateAsync(Request(1, "m/0/0/0@b:1", "m/0/1/0@b:1"));

        var run = dispatcher.RunAsync(model, 0, new MoeRouting(1, 2, model.Config.NumExperts, [0, 1], [0.5f, 0.5f]), new float[h]);

        Assert.Equal(["m/0/1/0@b:1"], experts.CallOrder);
        experts["m/0/1/0@b:1"].Release();
        var outputs = await run;
        Assert.Equal((1, 1), (experts["m/0/1/0@b:1"].Calls, experts["m/0/1/0@b:1"].Rows));
        Assert.All(outputs[0]![..h], v => Assert.Equal(1f, v));
        Assert.Equal(new float[h], outputs[1]);
        // Each replica counts its token once: the host's call for the one it ran, the grain's for the other.
        var rows = dispatcher.Statistics().ToDictionary(r => r.Key);
        Assert.Equal((1L, 1L, 0L), (rows["m/0/0/0@b:1"].Dispatched, rows["m/0/0/0@b:1"].Calls, rows["m/0/0/0@b:1"].Outstanding));
        Assert.Equal((1L, 1L, 0L), (rows["m/0/1/0@b:1"].Dispatched, rows["m/0/1/0@b:1"].Calls, rows["m/0/1/0@b:1"].Outstanding));
    }

    [Fact]
    public async Task UpdateAsync_LeavingReplicaMissingOnItsHostAndItsGrainAnswersAtOnce_DrainCompletes()
    {
        // Seen with a silo restarted on its old port under load: the host lacked the replica, its grain's call
        // finished inline, and taking the host's count back reached zero without ending the drain, so the stage's
        // load waited for good and stream deliveries to it timed out.
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var experts = new ScriptedExperts();
        var host = experts.HostOf("b:1");
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        (host.Missing, host.Hold) = ([1], answer.Task);
        experts.GetGrain<IExpertGrain>("m/0/1/0@b:1");
        experts["m/0/1/0@b:1"].Release();
        var dispatcher = new ExpertDispatcher(experts) { LocalPin = "a:1" };
        await dispatcher.UpdateAsync(Request(1, "m/0/0/0@b:1", "m/0/1/0@b:1"));
        var run = dispatcher.RunAsync(model, 0, new MoeRouting(1, 2, model.Config.NumExperts, [0, 1], [0.5f, 0.5f]), new float[model.Config.HiddenSize]);

        var update = dispatcher.UpdateAsync(Request(2, "m/0/0/0@b:1"));
        Assert.False(update.IsCompleted, "the leaving replica's token is still out in the host's call");
        answer.SetResult();
        await run;

        Assert.True(update.IsCompleted, "the leaving replica has nothing outstanding, but its drain never ended");
    }

    [Fact]
    public async Task RunAsync_HostCallFails_CallsEachReplicasGrain()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var experts = new ScriptedExperts();
        experts.HostOf("b:1").Fail = true;
        var dispatcher = new ExpertDispatcher(experts) { LocalPin = "a:1" };
        await dispatcher.UpdateAsync(Request(1, "m/0/0/0@b:1", "m/0/1/0@b:1"));

        var run = dispatcher.RunAsync(model, 0, new MoeRouting(1, 2, model.Config.NumExperts, [0, 1], [0.5f, 0.5f]), new float[model.Config.HiddenSize]);

        Assert.Equal(["m/0/0/0@b:1", "m/0/1/0@b:1"], experts.CallOrder);
        // While the grains' calls are out, their tokens are outstanding exactly once (a drain waits for them).
        Assert.All(dispatcher.Statistics(), r => Assert.Equal((1L, 1L), (r.Outstanding, r.Dispatched)));
        experts["m/0/0/0@b:1"].Release();
        experts["m/0/1/0@b:1"].Release();
        await run;
        Assert.All(dispatcher.Statistics(), r => Assert.Equal((0L, 1L, 1L), (r.Outstanding, r.Dispatched, r.Calls)));
    }

    [Fact]
    public async Task RunAsync_GroupBySiloOff_CallsEachExpertsGrain()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var experts = new ScriptedExperts();
        var dispatcher = new ExpertDispatcher(experts) { LocalPin = "a:1", GroupBySilo = false };
        await dispatcher.UpdateAsync(Request(1, "m/0/0/0@b:1", "m/0/1/0@b:1"));

        var run = dispatcher.RunAsync(model, 0, new MoeRouting(1, 2, model.Config.NumExperts, [0, 1], [0.5f, 0.5f]), new float[model.Config.HiddenSize]);

        Assert.Equal(["m/0/0/0@b:1", "m/0/1/0@b:1"], experts.CallOrder);
        Assert.Empty(experts.HostOf("b:1").Batches);
        experts["m/0/0/0@b:1"].Release();
        experts["m/0/1/0@b:1"].Release();
        await run;
    }

    [Fact]
    public async Task RunAsync_ExpertLoadedOnThisSilo_RunsItInTheTurnAfterStartingRemoteCalls()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var h = model.Config.HiddenSize;
        var weights = model.Weights.Layers[0]!.Moe!.Experts[0]!;
        var local = new LocalExperts();
        var registered = local.Register("m/0/0/0@a:1", weights, bf16: false);
        var experts = new ScriptedExperts();
        var dispatcher = new ExpertDispatcher(experts, local);
        await dispatcher.UpdateAsync(Request(1, "m/0/0/0@a:1", "m/0/1/0@b:1"));
        var normed = Enumerable.Range(0, h).Select(i => MathF.Sin(i)).ToArray();

        var routing = new MoeRouting(1, 2, model.Config.NumExperts, [0, 1], [0.5f, 0.5f]);
        var run = dispatcher.RunAsync(model, 0, routing, normed);

        // Only the other silo's expert was called; the local one has already run, on the caller's thread.
        Assert.Equal(["m/0/1/0@b:1"], experts.CallOrder);
        Assert.False(run.IsCompleted);
        Assert.Equal(1, registered.Tokens);
        experts["m/0/1/0@b:1"].Release();
        var outputs = await run;
        var expected = new float[h];
        weights.Forward(Gemm.Default, model.MoeExpertInput(routing, 0, normed), 1, expected);
        // A local expert's output is a pooled block: its first rows × H values are the expert's.
        Assert.Equal(expected, outputs[0]![..h]);
        var rows = dispatcher.Statistics();
        Assert.Equal((1, 0L), (rows.Single(r => r.Key == "m/0/0/0@a:1").Dispatched, rows.Single(r => r.Key == "m/0/0/0@a:1").Calls));
        Assert.Equal((1, 1L), (rows.Single(r => r.Key == "m/0/1/0@b:1").Dispatched, rows.Single(r => r.Key == "m/0/1/0@b:1").Calls));
    }

    [Fact]
    public async Task RunAsync_LocalExpertUnregistered_CallsItsGrainAgain()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var local = new LocalExperts();
        var registered = local.Register("m/0/0/0@a:1", model.Weights.Layers[0]!.Moe!.Experts[0]!, bf16: false);
        var experts = new ScriptedExperts();
        var dispatcher = new ExpertDispatcher(experts, local);
        await dispatcher.UpdateAsync(Request(1, "m/0/0/0@a:1"));
        local.Unregister("m/0/0/0@a:1", registered);

        var run = dispatcher.RunAsync(model, 0, new MoeRouting(1, 1, model.Config.NumExperts, [0], [1f]), new float[model.Config.HiddenSize]);

        Assert.Equal(["m/0/0/0@a:1"], experts.CallOrder);
        experts["m/0/0/0@a:1"].Release();
        await run;
        Assert.Equal(0, registered.Tokens);
    }

    [Fact]
    public async Task TryPickLocal_EveryReplicaOnThisSilo_PicksOnePerExpertAndSpreadsServedTokens()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var experts = model.Config.NumExperts;
        var dispatcher = new ExpertDispatcher(new ScriptedExperts());
        var keys = Enumerable.Range(0, experts).Select(e => $"m/0/{e}/0@a:1").Append("m/0/0/1@a:1").ToArray();
        await dispatcher.UpdateAsync(Request(1, keys));
        var picked = new ReplicaSlot[experts];

        Assert.True(dispatcher.TryPickLocal(model, 0, k => k.EndsWith("@a:1", StringComparison.Ordinal), picked));
        Assert.Equal(Enumerable.Range(0, experts), picked.Select(p => p.Expert));
        var first = picked[0];
        first.Served(4);

        // Tokens served on the device count as dispatched, so expert 0's other replica is picked next.
        Assert.True(dispatcher.TryPickLocal(model, 0, k => k.EndsWith("@a:1", StringComparison.Ordinal), picked));
        Assert.NotSame(first, picked[0]);
        Assert.Equal(4, dispatcher.Statistics().Single(r => r.Key == first.Key).Dispatched);
        Assert.Equal(0, dispatcher.Statistics().Single(r => r.Key == first.Key).Outstanding);
    }

    [Fact]
    public async Task TryPickLocal_OneReplicaOnAnotherSilo_ReturnsFalse()
    {
        using var checkpoint = SkewedCheckpoint.Write();
        var model = TransformerModel.Load(checkpoint.Path, Gemm.Default);
        var experts = model.Config.NumExperts;
        var dispatcher = new ExpertDispatcher(new ScriptedExperts());
        var keys = Enumerable.Range(0, experts).Select(e => $"m/0/{e}/0@a:1").Append("m/0/1/1@b:1").ToArray();
        await dispatcher.UpdateAsync(Request(1, keys));

        Assert.False(dispatcher.TryPickLocal(model, 0, k => k.EndsWith("@a:1", StringComparison.Ordinal), new ReplicaSlot[experts]));
    }

    private static StageLoadRequest Request(long version, params string[] keys) => new()
    {
        Model = "m",
        ModelPath = "/nowhere",
        ReplicaSetVersion = version,
        ExpertReplicaSet = [.. keys.Select(k => ExpertKey.Parse(k)).Select(k => new ExpertReplicaInfo
        {
            Layer = k.Layer,
            Expert = k.Expert,
            Replica = k.Replica,
            Pin = k.Pin ?? "",
            Key = k.ToString(),
        })],
    };
}
