using DistInfer.Runtime.Membership;
using static DistInfer.Runtime.Tests.ClusterMembership.AgentTestCluster;

namespace DistInfer.Runtime.Tests.ClusterMembership;

public sealed class MembershipAgentTests
{
    private static readonly TimeSpan DeathTarget = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task StartAsync_ThreeSilos_AllActiveInEverySnapshot()
    {
        await using var cluster = new AgentTestCluster();
        var agents = new[] { await cluster.StartSiloAsync(Silo(1)), await cluster.StartSiloAsync(Silo(2)), await cluster.StartSiloAsync(Silo(3)) };

        await cluster.AdvanceAsync(cluster.Options.TableRefreshTimeout);

        foreach (var agent in agents)
        {
            Assert.Equal(SiloStatus.Active, agent.Status);
            Assert.Equal([1, 2, 3], agent.CurrentSnapshot.ActiveMembers().Select(m => m.SiloAddress.Port));
        }

        var row = await cluster.RowAsync(Silo(2));
        Assert.Equal("silo-2", row.SiloName);
        Assert.Equal(3, row.ProxyPort);
        Assert.Equal(["worker"], row.Roles);
    }

    [Theory]
    [InlineData(FakeNetwork.SiloReachability.Refusing)]
    [InlineData(FakeNetwork.SiloReachability.Hanging)]
    public async Task KilledSilo_ThreeSilos_DeclaredDeadByTwoVotesWithinTenSeconds(FakeNetwork.SiloReachability killed)
    {
        await using var cluster = new AgentTestCluster();
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));
        var c = await cluster.StartSiloAsync(Silo(3));
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(1));

        await cluster.KillAsync(c, killed);
        var took = await cluster.AdvanceUntilAsync(() => a.CurrentSnapshot.GetSiloStatus(Silo(3)) == SiloStatus.Dead, DeathTarget);
        Assert.True(took <= DeathTarget, $"declared dead after {took}");
        await cluster.AdvanceUntilAsync(() => b.CurrentSnapshot.GetSiloStatus(Silo(3)) == SiloStatus.Dead, cluster.Options.TableRefreshTimeout);

        var row = await cluster.RowAsync(Silo(3));
        Assert.Equal(SiloStatus.Dead, row.Status);
        Assert.Equal([1, 2], row.SuspectTimes.Select(v => v.Voter.Port).Order());
        Assert.Equal(SiloStatus.Active, (await cluster.RowAsync(Silo(1))).Status);
        Assert.Equal(SiloStatus.Active, (await cluster.RowAsync(Silo(2))).Status);
    }

    [Fact]
    public async Task KilledSilo_DeclaredDead_ReportedOnDistInferMeter()
    {
        var deaths = 0L;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "DistInfer" && instrument.Name == "distinfer.membership.status_changes")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "status", Value: "Dead" })
                {
                    Interlocked.Add(ref deaths, value);
                }
            }
        });
        listener.Start();
        await using var cluster = new AgentTestCluster();
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));

        await cluster.KillAsync(b);
        await cluster.AdvanceUntilAsync(() => a.CurrentSnapshot.GetSiloStatus(Silo(2)) == SiloStatus.Dead, DeathTarget);

        // Other tests run in parallel on the same static meter, so at least this death is counted.
        Assert.True(Interlocked.Read(ref deaths) >= 1);
    }

    [Fact]
    public async Task KilledSilo_TwoSilos_OneVoteDeclaresDead()
    {
        await using var cluster = new AgentTestCluster();
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));

        await cluster.KillAsync(b);
        var took = await cluster.AdvanceUntilAsync(() => a.CurrentSnapshot.GetSiloStatus(Silo(2)) == SiloStatus.Dead, DeathTarget);

        var row = await cluster.RowAsync(Silo(2));
        Assert.Equal(1, Assert.Single(row.SuspectTimes).Voter.Port);
        Assert.True(took <= TimeSpan.FromSeconds(6) + TimeSpan.FromMilliseconds(250), $"took {took}");
    }

    [Fact]
    public async Task SuspectVote_OlderThanExpiration_DoesNotCountTowardDeath()
    {
        var options = new MembershipOptions { DeathVoteExpirationTimeout = TimeSpan.FromSeconds(20) };
        await using var cluster = new AgentTestCluster(options: options);
        var a = await cluster.StartSiloAsync(Silo(1));
        await cluster.StartSiloAsync(Silo(2));
        await cluster.StartSiloAsync(Silo(3));

        // Only silo 1 loses silo 3: it votes, then the link heals and its vote ages out.
        cluster.Network.Cut(Silo(1), Silo(3));
        await cluster.AdvanceUntilAsync(() => a.CurrentSnapshot.Members.GetValueOrDefault(Silo(3))?.SuspectTimes.Count == 1, TimeSpan.FromSeconds(10));
        cluster.Network.Heal(Silo(1), Silo(3));
        await cluster.AdvanceAsync(options.DeathVoteExpirationTimeout + TimeSpan.FromSeconds(1));

        // Now only silo 2 loses silo 3: its vote plus the expired one is not enough.
        cluster.Network.Cut(Silo(2), Silo(3));
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        var row = await cluster.RowAsync(Silo(3));
        Assert.Equal(SiloStatus.Active, row.Status);
        Assert.Equal(2, row.FreshVotes(cluster.Time.GetUtcNow() - options.DeathVoteExpirationTimeout).Single().Voter.Port);

        // Silo 1 loses it again: two live votes, dead.
        cluster.Network.Cut(Silo(1), Silo(3));
        await cluster.AdvanceUntilAsync(() => a.CurrentSnapshot.GetSiloStatus(Silo(3)) == SiloStatus.Dead, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task PartitionedSilo_VotedDead_RaisesDeclaredDeadAndStops()
    {
        await using var cluster = new AgentTestCluster();
        await cluster.StartSiloAsync(Silo(1));
        await cluster.StartSiloAsync(Silo(2));
        var c = await cluster.StartSiloAsync(Silo(3));
        var declared = new TaskCompletionSource<SiloAddress>(TaskCreationOptions.RunContinuationsAsynchronously);
        c.DeclaredDead += silo => declared.TrySetResult(silo);

        // The others cannot reach silo 3, but it still reaches them and the table.
        cluster.Network.Cut(Silo(1), Silo(3));
        cluster.Network.Cut(Silo(2), Silo(3));
        await cluster.AdvanceUntilAsync(() => declared.Task.IsCompleted, DeathTarget + cluster.Options.TableRefreshTimeout);

        Assert.Equal(Silo(3), await declared.Task);
        Assert.Equal(SiloStatus.Dead, c.Status);
        var probesBefore = cluster.Network.ProbesSentBy(Silo(3));
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(SiloStatus.Dead, (await cluster.RowAsync(Silo(3))).Status);
        Assert.Equal(probesBefore, cluster.Network.ProbesSentBy(Silo(3)));
    }

    [Fact]
    public async Task StopAsync_GracefulLeave_WritesShuttingDownThenDeadWithoutVotes()
    {
        await using var cluster = new AgentTestCluster();
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));
        await cluster.StartSiloAsync(Silo(3));
        var seen = new List<SiloStatus>();
        a.MembershipChanged += update =>
        {
            foreach (var change in update.Changes.Where(c => c.Silo == Silo(2)))
            {
                seen.Add(change.NewStatus);
            }
        };
        var declared = false;
        b.DeclaredDead += _ => declared = true;

        await b.ShutDownAsync();
        await a.RefreshAsync();
        await b.StopAsync();
        cluster.Network.Set(Silo(2), FakeNetwork.SiloReachability.Refusing);
        await a.RefreshAsync();
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([SiloStatus.ShuttingDown, SiloStatus.Dead], seen);
        var row = await cluster.RowAsync(Silo(2));
        Assert.Equal(SiloStatus.Dead, row.Status);
        Assert.Empty(row.SuspectTimes);
        Assert.False(declared);
        Assert.Equal(SiloStatus.Dead, b.Status);
    }

    [Fact]
    public async Task Votes_TableLosesRaces_RetriedUntilDeclared()
    {
        var table = new ContendedMembershipTable(new InMemoryMembershipTable());
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        await cluster.StartSiloAsync(Silo(2));
        var c = await cluster.StartSiloAsync(Silo(3));

        table.ConflictsToInject = 6;
        await cluster.KillAsync(c);
        await cluster.AdvanceUntilAsync(() => a.CurrentSnapshot.GetSiloStatus(Silo(3)) == SiloStatus.Dead, DeathTarget);

        Assert.Equal(0, table.ConflictsToInject);
        Assert.Equal(2, (await cluster.RowAsync(Silo(3))).SuspectTimes.Count);
    }

    [Fact]
    public async Task MetadataProvider_ValuesChange_RowUpdatedEachRefreshPeriod()
    {
        var options = new MembershipOptions { MetadataRefreshPeriod = TimeSpan.FromSeconds(5) };
        await using var cluster = new AgentTestCluster(options: options);
        var load = 0;
        var a = await cluster.StartSiloAsync(Silo(1), () => new Dictionary<string, string>
        {
            [SiloMetadataKeys.CpuCount] = "8",
            [SiloMetadataKeys.ActivationCount] = load.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var b = await cluster.StartSiloAsync(Silo(2));
        Assert.Equal("0", (await cluster.RowAsync(Silo(1))).Metadata[SiloMetadataKeys.ActivationCount]);

        load = 42;
        await cluster.AdvanceAsync(options.MetadataRefreshPeriod + options.TableRefreshTimeout);

        Assert.Equal("42", b.CurrentSnapshot.Members[Silo(1)].Metadata[SiloMetadataKeys.ActivationCount]);
        Assert.Equal("8", (await cluster.RowAsync(Silo(1))).Metadata[SiloMetadataKeys.CpuCount]);
        Assert.Equal(SiloStatus.Active, a.Status);
    }

    [Fact]
    public async Task UpdateMetadataAsync_NewValues_VisibleToOtherSilosAfterRefresh()
    {
        await using var cluster = new AgentTestCluster();
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));

        Assert.True(await a.UpdateMetadataAsync(new Dictionary<string, string> { [SiloMetadataKeys.GrainInterfaces] = "IChat;IModel" }));
        await b.RefreshAsync();

        Assert.Equal("IChat;IModel", b.CurrentSnapshot.Members[Silo(1)].Metadata[SiloMetadataKeys.GrainInterfaces]);
    }

    [Fact]
    public async Task StartAsync_OlderGenerationOnSameEndpoint_MarksItDead()
    {
        await using var cluster = new AgentTestCluster();
        await cluster.StartSiloAsync(Silo(1));
        var old = await cluster.StartSiloAsync(Silo(2));
        await cluster.KillAsync(old);

        var restarted = await cluster.StartSiloAsync(new SiloAddress("127.0.0.1", 2, 2));

        Assert.Equal(SiloStatus.Dead, restarted.CurrentSnapshot.GetSiloStatus(Silo(2)));
        Assert.Equal(SiloStatus.Active, restarted.CurrentSnapshot.GetSiloStatus(new SiloAddress("127.0.0.1", 2, 2)));
    }

    [Fact]
    public async Task Heartbeat_Period_UpdatesIAmAliveWithoutNewTableVersion()
    {
        var options = new MembershipOptions { IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(30) };
        await using var cluster = new AgentTestCluster(options: options);
        await cluster.StartSiloAsync(Silo(1));
        var before = await cluster.Table.ReadAllAsync();

        await cluster.AdvanceAsync(TimeSpan.FromSeconds(30));

        var after = await cluster.Table.ReadAllAsync();
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Rows[0].Entry.IAmAliveTime + TimeSpan.FromSeconds(30), after.Rows[0].Entry.IAmAliveTime);
    }

    [Fact]
    public async Task WatchAsync_SiloDies_YieldsCurrentThenDeadChange()
    {
        await using var cluster = new AgentTestCluster();
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));
        await a.RefreshAsync();
        using var cancel = new CancellationTokenSource();
        await using var watch = a.WatchAsync(cancel.Token).GetAsyncEnumerator(cancel.Token);

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(SiloStatus.Active, watch.Current.Snapshot.GetSiloStatus(Silo(2)));
        await cluster.KillAsync(b);
        await cluster.AdvanceUntilAsync(() => a.CurrentSnapshot.GetSiloStatus(Silo(2)) == SiloStatus.Dead, DeathTarget);

        // Every update in between is delivered in order; the one with a change for silo 2 is the death.
        var changes = new List<SiloStatusChange>();
        while (changes.Count == 0)
        {
            Assert.True(await watch.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            changes.AddRange(watch.Current.Changes.Where(c => c.Silo == Silo(2)));
        }

        Assert.Equal([new SiloStatusChange(Silo(2), SiloStatus.Active, SiloStatus.Dead)], changes);
        Assert.Equal(a.CurrentSnapshot.Version, watch.Current.Snapshot.Version);
    }

    [Fact]
    public async Task TableReset_RowsLost_AgentsWriteTheirRowsAgain()
    {
        await using var cluster = new AgentTestCluster();
        var a = await cluster.StartSiloAsync(Silo(1));
        await cluster.StartSiloAsync(Silo(2));

        await cluster.Table.DeleteMembershipTableEntriesAsync("dev");
        await cluster.AdvanceAsync(cluster.Options.TableRefreshTimeout * 2);

        var data = await cluster.Table.ReadAllAsync();
        Assert.Equal(2, data.Rows.Count);
        Assert.All(data.Rows, r => Assert.Equal(SiloStatus.Active, r.Entry.Status));
        Assert.Equal(SiloStatus.Active, a.Status);
    }

    [Fact]
    public async Task StopAsync_RowAlreadyDeclaredDead_LeaveNotWrittenSoPeersAreNotToldItLeft()
    {
        var table = new InMemoryMembershipTable();
        await using var cluster = new AgentTestCluster(table);
        var a = await cluster.StartSiloAsync(Silo(1));
        var b = await cluster.StartSiloAsync(Silo(2));

        // Voted dead (say while it hung) just before its own leave: the leave writes nothing.
        var data = await table.ReadAllAsync();
        var row = data.Find(Silo(2))!.Value;
        Assert.True(await table.UpdateRowAsync(row.Entry with { Status = SiloStatus.Dead }, row.ETag, data.Version.Next()));
        await b.StopAsync();
        await a.StopAsync();

        // Peers told of a leave stop voting against the silo, so the telling waits for a leave this silo wrote.
        Assert.False(b.LeaveWritten);
        Assert.True(a.LeaveWritten);
    }
}
