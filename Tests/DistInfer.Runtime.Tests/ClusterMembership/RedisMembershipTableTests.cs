using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Membership.Redis;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.ClusterMembership;

public sealed class RedisMembershipTableTests(RedisServerFixture redis)
    : MembershipTableContractTests, IClassFixture<RedisServerFixture>, IDisposable
{
    private readonly List<RedisMembershipTable> _tables = [];

    protected override async Task<IMembershipTable> CreateTableAsync(string clusterId)
    {
        var table = await RedisMembershipTable.ConnectAsync(new RedisMembershipOptions
        {
            Configuration = redis.Configuration,
            ClusterId = clusterId,
        });
        _tables.Add(table);
        return table;
    }

    [Fact]
    public async Task InsertRow_Entry_StoredAsJsonFieldOfClusterHash()
    {
        var table = (RedisMembershipTable)await CreateTableAsync("layout");
        await table.DeleteMembershipTableEntriesAsync("layout");
        Assert.True(await table.InsertRowAsync(MembershipTestData.Entry(MembershipTestData.Silo(11111)), (await table.ReadAllAsync()).Version.Next()));

        Assert.Equal("distinfer:{layout}:membership", table.Key);
        using var connection = await RedisTestConnection.OpenAsync(redis);
        var fields = await connection.Multiplexer.GetDatabase().HashGetAllAsync(table.Key);
        var names = fields.Select(f => f.Name.ToString()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["silo:127.0.0.1:11111@1", "version"], names);
        var json = fields.Single(f => f.Name == "silo:127.0.0.1:11111@1").Value.ToString();
        Assert.StartsWith("{\"etag\":", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"Joining\"", json, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var table in _tables)
        {
            table.Dispose();
        }
    }
}
