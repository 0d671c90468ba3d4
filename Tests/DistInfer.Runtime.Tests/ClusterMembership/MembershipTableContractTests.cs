using DistInfer.Runtime.Membership;
using static DistInfer.Runtime.Tests.ClusterMembership.MembershipTestData;

namespace DistInfer.Runtime.Tests.ClusterMembership;

/// <summary>The behaviour every <see cref="IMembershipTable"/> must have; one derived class per implementation.</summary>
public abstract class MembershipTableContractTests
{
    /// <summary>A fresh, initialized table for a cluster no other test uses.</summary>
    protected abstract Task<IMembershipTable> CreateTableAsync(string clusterId);

    private Task<IMembershipTable> NewTableAsync() => CreateTableAsync("c" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task InsertRow_NewSilo_ReadAllReturnsEntryAndNextVersion()
    {
        var table = await NewTableAsync();
        var before = await table.ReadAllAsync();
        var entry = Entry(Silo(11111)) with { SuspectTimes = [new SuspectVote(Silo(22222), Epoch.AddSeconds(3))] };

        Assert.True(await table.InsertRowAsync(entry, before.Version.Next()));

        var after = await table.ReadAllAsync();
        Assert.Equal(before.Version.Version + 1, after.Version.Version);
        Assert.NotEqual(before.Version.ETag, after.Version.ETag);
        var row = Assert.Single(after.Rows);
        AssertSameEntry(entry, row.Entry);
        Assert.False(string.IsNullOrEmpty(row.ETag));
    }

    [Fact]
    public async Task InsertRow_SiloAlreadyPresent_ReturnsFalseAndKeepsRow()
    {
        var table = await NewTableAsync();
        var entry = Entry(Silo(11111));
        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));

        var data = await table.ReadAllAsync();
        Assert.False(await table.InsertRowAsync(entry with { SiloName = "other" }, data.Version.Next()));

        var after = await table.ReadAllAsync();
        Assert.Equal("silo-11111", Assert.Single(after.Rows).Entry.SiloName);
        Assert.Equal(data.Version, after.Version);
    }

    [Fact]
    public async Task InsertRow_StaleTableVersion_ReturnsFalse()
    {
        var table = await NewTableAsync();
        var stale = (await table.ReadAllAsync()).Version;
        Assert.True(await table.InsertRowAsync(Entry(Silo(11111)), stale.Next()));

        Assert.False(await table.InsertRowAsync(Entry(Silo(22222)), stale.Next()));

        Assert.Null((await table.ReadAllAsync()).Find(Silo(22222)));
    }

    [Fact]
    public async Task UpdateRow_StaleRowETag_ReturnsFalse()
    {
        var table = await NewTableAsync();
        var entry = Entry(Silo(11111));
        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        var first = await table.ReadAllAsync();
        var oldETag = first.Rows[0].ETag;
        Assert.True(await table.UpdateRowAsync(entry with { Status = SiloStatus.Active }, oldETag, first.Version.Next()));

        var second = await table.ReadAllAsync();
        Assert.False(await table.UpdateRowAsync(entry with { Status = SiloStatus.Dead }, oldETag, second.Version.Next()));

        Assert.Equal(SiloStatus.Active, (await table.ReadAllAsync()).Rows[0].Entry.Status);
    }

    [Fact]
    public async Task UpdateRow_StaleTableVersionWithCurrentRowETag_ReturnsFalse()
    {
        var table = await NewTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(Silo(11111)), (await table.ReadAllAsync()).Version.Next()));
        var read = await table.ReadAllAsync();
        // Another silo's write moves the table version on; the row of 11111 keeps its etag.
        Assert.True(await table.InsertRowAsync(Entry(Silo(22222)), read.Version.Next()));

        var row = read.Find(Silo(11111))!.Value;
        Assert.False(await table.UpdateRowAsync(row.Entry with { Status = SiloStatus.Dead }, row.ETag, read.Version.Next()));

        Assert.Equal(SiloStatus.Joining, (await table.ReadAllAsync()).Find(Silo(11111))!.Value.Entry.Status);
    }

    [Fact]
    public async Task UpdateRow_MissingRow_ReturnsFalse()
    {
        var table = await NewTableAsync();
        var version = (await table.ReadAllAsync()).Version;

        Assert.False(await table.UpdateRowAsync(Entry(Silo(11111)), "no-such-etag", version.Next()));

        Assert.Empty((await table.ReadAllAsync()).Rows);
    }

    [Fact]
    public async Task InsertRow_ParallelWritersFromSameVersion_ExactlyOneWins()
    {
        var table = await NewTableAsync();
        var version = (await table.ReadAllAsync()).Version;

        var results = await Task.WhenAll(Enumerable.Range(0, 16)
            .Select(i => Task.Run(() => table.InsertRowAsync(Entry(Silo(20000 + i)), version.Next()))));

        Assert.Equal(1, results.Count(r => r));
        var after = await table.ReadAllAsync();
        Assert.Single(after.Rows);
        Assert.Equal(version.Version + 1, after.Version.Version);
    }

    [Fact]
    public async Task InsertRow_ParallelWritersRetryingOnConflict_AllInsertedOneVersionEach()
    {
        var table = await NewTableAsync();
        var start = (await table.ReadAllAsync()).Version.Version;
        const int Writers = 8;

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(i => Task.Run(async () =>
        {
            while (!await table.InsertRowAsync(Entry(Silo(30000 + i)), (await table.ReadAllAsync()).Version.Next()))
            {
                // Lost the race: re-read and retry, as the membership agent does.
            }
        })));

        var after = await table.ReadAllAsync();
        Assert.Equal(Writers, after.Rows.Count);
        Assert.Equal(start + Writers, after.Version.Version);
    }

    [Fact]
    public async Task UpdateRow_ParallelVotersFromSameRead_ExactlyOneVoteLands()
    {
        var table = await NewTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(Silo(11111), SiloStatus.Active), (await table.ReadAllAsync()).Version.Next()));
        var read = await table.ReadAllAsync();
        var row = read.Rows[0];

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            table.UpdateRowAsync(
                row.Entry with { SuspectTimes = [new SuspectVote(Silo(40000 + i), Epoch)] },
                row.ETag,
                read.Version.Next()))));

        Assert.Equal(1, results.Count(r => r));
        Assert.Single((await table.ReadAllAsync()).Rows[0].Entry.SuspectTimes);
    }

    [Fact]
    public async Task UpdateRow_SuspectVotesAdded_ReadBackInOrderWithVoters()
    {
        var table = await NewTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(Silo(11111), SiloStatus.Active), (await table.ReadAllAsync()).Version.Next()));
        var votes = new List<SuspectVote>();
        for (var i = 0; i < 3; i++)
        {
            var read = await table.ReadAllAsync();
            var row = read.Rows[0];
            votes.Add(new SuspectVote(Silo(50000 + i, generation: 7 + i), Epoch.AddSeconds(i)));
            Assert.True(await table.UpdateRowAsync(row.Entry with { SuspectTimes = [.. votes] }, row.ETag, read.Version.Next()));
        }

        var stored = (await table.ReadAllAsync()).Rows[0].Entry.SuspectTimes;
        Assert.Equal(votes, stored);
    }

    [Fact]
    public async Task UpdateIAmAlive_ExistingRow_ChangesOnlyAliveTimeKeepingETagAndVersion()
    {
        var table = await NewTableAsync();
        var entry = Entry(Silo(11111), SiloStatus.Active);
        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        var before = await table.ReadAllAsync();

        await table.UpdateIAmAliveAsync(entry with { IAmAliveTime = Epoch.AddMinutes(5), Status = SiloStatus.Dead });

        var after = await table.ReadAllAsync();
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Rows[0].ETag, after.Rows[0].ETag);
        Assert.Equal(Epoch.AddMinutes(5), after.Rows[0].Entry.IAmAliveTime);
        Assert.Equal(SiloStatus.Active, after.Rows[0].Entry.Status);
        // The kept etag still allows the owner's next compare-and-swap.
        Assert.True(await table.UpdateRowAsync(after.Rows[0].Entry with { Status = SiloStatus.ShuttingDown }, after.Rows[0].ETag, after.Version.Next()));
    }

    [Fact]
    public async Task ReadRow_PresentAndMissing_ReturnsRowWithETagAndTableVersion()
    {
        var table = await NewTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(Silo(11111)), (await table.ReadAllAsync()).Version.Next()));
        var all = await table.ReadAllAsync();

        var present = await table.ReadRowAsync(Silo(11111));
        var missing = await table.ReadRowAsync(Silo(11111, generation: 2));

        Assert.Equal(all.Version, present.Version);
        Assert.Equal(all.Rows[0].ETag, Assert.Single(present.Rows).ETag);
        Assert.Empty(missing.Rows);
        Assert.Equal(all.Version, missing.Version);
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_OldDeadAndRecentRows_RemovesOnlyOldDead()
    {
        var table = await NewTableAsync();
        var rows = new[]
        {
            Entry(Silo(1), SiloStatus.Dead) with { IAmAliveTime = Epoch.AddDays(-10) },
            Entry(Silo(2), SiloStatus.Dead) with { IAmAliveTime = Epoch },
            Entry(Silo(3), SiloStatus.Active) with { IAmAliveTime = Epoch.AddDays(-10) },
        };
        foreach (var row in rows)
        {
            Assert.True(await table.InsertRowAsync(row, (await table.ReadAllAsync()).Version.Next()));
        }

        var removed = await table.CleanupDefunctSiloEntriesAsync(Epoch.AddDays(-1));

        Assert.Equal(1, removed);
        var left = (await table.ReadAllAsync()).Rows.Select(r => r.Entry.SiloAddress.Port).Order().ToArray();
        Assert.Equal([2, 3], left);
    }

    [Fact]
    public async Task DeleteMembershipTableEntries_Cluster_RemovesItsRowsOnly()
    {
        var clusterA = "a" + Guid.NewGuid().ToString("N");
        var tableA = await CreateTableAsync(clusterA);
        var tableB = await NewTableAsync();
        Assert.True(await tableA.InsertRowAsync(Entry(Silo(1)), (await tableA.ReadAllAsync()).Version.Next()));
        Assert.True(await tableB.InsertRowAsync(Entry(Silo(1)), (await tableB.ReadAllAsync()).Version.Next()));

        await tableA.DeleteMembershipTableEntriesAsync(clusterA);

        Assert.Empty((await tableA.ReadAllAsync()).Rows);
        Assert.Single((await tableB.ReadAllAsync()).Rows);
    }

    [Fact]
    public async Task ReadAll_ActiveGateways_OnlyActiveSilosOfThisProtocolWithProxyPort()
    {
        var table = await NewTableAsync();
        foreach (var entry in new[]
        {
            Entry(Silo(100), SiloStatus.Active),
            Entry(Silo(200), SiloStatus.Dead),
            Entry(Silo(300), SiloStatus.Active) with { ProxyPort = 0 },
            Entry(Silo(400), SiloStatus.Joining),
            Entry(Silo(500), SiloStatus.Active) with { Metadata = new Dictionary<string, string> { [SiloMetadataKeys.WireProtocol] = "0" } },
            Entry(Silo(600), SiloStatus.Active) with { Metadata = new Dictionary<string, string>() },
        })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        var gateways = (await table.ReadAllAsync()).ActiveGateways();

        Assert.Equal([new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1100)], gateways);
    }

    private static void AssertSameEntry(MembershipEntry expected, MembershipEntry actual)
    {
        Assert.Equal(expected.SiloAddress, actual.SiloAddress);
        Assert.Equal(expected.SiloName, actual.SiloName);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.HostName, actual.HostName);
        Assert.Equal(expected.ProxyPort, actual.ProxyPort);
        Assert.Equal(expected.Roles, actual.Roles);
        Assert.Equal(expected.Metadata.OrderBy(p => p.Key), actual.Metadata.OrderBy(p => p.Key));
        Assert.Equal(expected.StartTime, actual.StartTime);
        Assert.Equal(expected.IAmAliveTime, actual.IAmAliveTime);
        Assert.Equal(expected.SuspectTimes, actual.SuspectTimes);
    }
}
