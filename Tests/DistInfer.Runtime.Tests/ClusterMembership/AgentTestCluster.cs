using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace DistInfer.Runtime.Tests.ClusterMembership;

/// <summary>
/// Several <see cref="MembershipAgent"/>s on one fake clock, one fake network and one shared table. Time moves
/// in small steps; after each step the harness waits until every agent's table work has finished.
/// </summary>
internal sealed class AgentTestCluster : IAsyncDisposable
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(30);
    private readonly List<MembershipAgent> _agents = [];

    public AgentTestCluster(IMembershipTable? table = null, MembershipOptions? options = null)
    {
        Table = table ?? new InMemoryMembershipTable();
        Options = options ?? new MembershipOptions();
    }

    public FakeTimeProvider Time { get; } = new();

    public FakeNetwork Network { get; } = new();

    public IMembershipTable Table { get; }

    public MembershipOptions Options { get; }

    public TimeSpan Elapsed { get; private set; }

    public static SiloAddress Silo(int port) => new("127.0.0.1", port, 1);

    public async Task<MembershipAgent> StartSiloAsync(SiloAddress silo, Func<IReadOnlyDictionary<string, string>>? metadata = null)
    {
        Network.Set(silo, FakeNetwork.SiloReachability.Up);
        var agent = new MembershipAgent(
            Table,
            Network.From(silo),
            new LocalSiloDetails(silo, $"silo-{silo.Port}") { ProxyPort = silo.Port + 1, Roles = ["worker"] },
            Microsoft.Extensions.Options.Options.Create(Options),
            Time,
            metadataProvider: metadata);
        _agents.Add(agent);
        await agent.StartAsync();
        return agent;
    }

    /// <summary>Simulates kill -9: the agent stops without writing and its port refuses (or hangs).</summary>
    public async Task KillAsync(MembershipAgent agent, FakeNetwork.SiloReachability after = FakeNetwork.SiloReachability.Refusing)
    {
        Network.Set(agent.LocalSilo, after);
        await agent.DisposeAsync();
    }

    public async Task AdvanceAsync(TimeSpan by)
    {
        for (var done = TimeSpan.Zero; done < by; done += Step)
        {
            await StepAsync();
        }
    }

    /// <summary>Advances until <paramref name="condition"/> holds; returns the fake time that took.</summary>
    public async Task<TimeSpan> AdvanceUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var start = Elapsed;
        while (!condition())
        {
            Assert.True(Elapsed - start <= limit, $"condition not met within {limit} of fake time");
            await StepAsync();
        }

        return Elapsed - start;
    }

    public async Task<MembershipEntry> RowAsync(SiloAddress silo) =>
        (await Table.ReadAllAsync()).Find(silo)?.Entry ?? throw new InvalidOperationException($"{silo} has no row");

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }
    }

    private async Task StepAsync()
    {
        Time.Advance(Step);
        Elapsed += Step;
        await Task.WhenAll(_agents.Select(a => a.WhenIdleAsync())).WaitAsync(SettleLimit);
    }
}
