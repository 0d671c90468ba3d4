using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DistInfer.Grains;
using DistInfer.Grains.Balancing;
using DistInfer.Silo.Tests.Processes;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DistInfer.Silo.Tests.Cluster;

/// <summary>
/// Scale-out on one machine with real Redis membership: two silos serve, a third joins and the balancer places
/// experts on it by itself (rebalance on join, no operator call), then one is drained (graceful shutdown) while
/// requests run, and no request fails through the whole sequence.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ClusterId = "scale-out";
    private readonly List<HostedSilo> _silos = [];
    private RedisServer _redis = null!;
    private int _started;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    private async Task<HostedSilo> AddSiloAsync()
    {
        var silo = await HostedSilo.StartAsync("silo" + _started++, ClusterId, _redis.Endpoint);
        _silos.Add(silo);
        // Placement only uses silos a view holds as active: wait until every silo sees all of them.
        await Task.WhenAll(_silos.Select(s => s.WaitForActiveSilosAsync(_silos.Count)));
        return silo;
    }

    [Fact]
    public async Task JoinThenDrain_UnderLoad_NewSiloTakesExpertsDrainedSilosWorkMovesAndNoRequestFails()
    {
        var a = await AddSiloAsync();
        var b = await AddSiloAsync();
        await a.Front.DeployAsync("demo", new DeploymentRequest { ModelPath = RepoPaths.DemoModel, Stages = 2 });
        var before = await a.StatusAsync();
        Assert.All(before.Silos, s => Assert.True(s.ExpertActivations > 0, $"{s.Name} holds no experts"));

        await using var load = new CompletionLoad(workers: 4, [a, b], ["demo"]);
        await load.WaitForMoreAsync(4);

        // A third silo joins under load. Nobody calls rebalance: the oldest silo's join listener asks demo's balancer,
        // which moves some of its experts onto the newcomer while requests keep running.
        var rebalanced = NextJoinRebalance([a, b]);
        var c = await AddSiloAsync();
        load.SetTargets([a, b, c]);
        var outcome = await rebalanced.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Empty(outcome.Errors);
        Assert.True(outcome.Results["demo"]!.Added > 0, "the balancer added no replica on the new silo");
        var joined = await a.StatusAsync();
        var cAddress = Assert.Single(joined.Silos, s => s.Name == c.Options.Name).Address;
        Assert.Equal([cAddress], outcome.JoinedSilos);
        Assert.Contains(joined.Experts, e => e.Model == "demo" && e.Silo == cAddress);
        Assert.Equal(before.Experts.Count, joined.Experts.Count);
        await load.WaitForMoreAsync(6);

        // Drain the silo that runs demo's first pipeline stage (under load since the start): its stage and expert
        // activations must move and the sequences in flight on them re-prefill elsewhere. The balancer in front stops
        // sending it new requests, then it shuts down gracefully while a streamed request it accepted is generating.
        var victimAddress = joined.Stages.First(s => s.Model == "demo" && s.Stage == 0).Silo;
        var victim = _silos.Single(s => AddressOf(joined, s) == victimAddress);
        HostedSilo[] survivors = [.. _silos.Where(s => s != victim)];
        Assert.Contains(joined.Experts, e => e.Silo == victimAddress);
        foreach (var survivor in survivors)
        {
            // The front of a silo learns a model on its first request; make sure the status reader knows both.
            await survivor.Front.DescribeAsync("demo");
        }

        load.SetTargets(survivors);
        using var inFlight = await StartStreamAsync(victim, "demo");
        using var reader = new StreamReader(await inFlight.Content.ReadAsStreamAsync());
        var first = await reader.ReadLineAsync();
        Assert.StartsWith("data: {", first, StringComparison.Ordinal);
        var drain = victim.StopAsync();
        var text = await reader.ReadToEndAsync();
        await drain;
        await Task.WhenAll(survivors.Select(s => s.WaitForActiveSilosAsync(2)));
        Assert.EndsWith("data: [DONE]", text.TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"error\"", text, StringComparison.Ordinal);

        await load.WaitForMoreAsync(8);
        var after = await survivors[0].StatusAsync();
        Assert.DoesNotContain(after.Silos, s => s.Name == victim.Options.Name && s.Status == "Active");
        Assert.DoesNotContain(after.Experts, e => e.Silo == victimAddress);
        Assert.DoesNotContain(after.Stages, s => s.Silo == victimAddress);
        Assert.Equal(before.Experts.Count, after.Experts.Count);
        output.WriteLine($"drained {victim.Options.Name}; {load.Completed} requests completed; stages before: {Placement(joined)}; after: {Placement(after)}");
        Assert.Empty(load.Failures);
    }

    /// <summary>The next rebalance on join that any of <paramref name="silos"/> performs.</summary>
    private static Task<JoinRebalanceOutcome> NextJoinRebalance(IEnumerable<HostedSilo> silos)
    {
        var next = new TaskCompletionSource<JoinRebalanceOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var silo in silos)
        {
            silo.Services.GetRequiredService<SiloJoinRebalancer>().Completed += o => next.TrySetResult(o);
        }

        return next.Task;
    }

    private static string AddressOf(ClusterStatus status, HostedSilo silo) => status.Silos.Single(s => s.Name == silo.Options.Name).Address;

    private static string Placement(ClusterStatus status) => string.Join(", ", status.Stages.Select(s => $"{s.Model}/{s.Stage}@{status.Silos.Single(x => x.Address == s.Silo).Name}"));

    /// <summary>Posts a streamed completion; its response headers came back.</summary>
    private static async Task<HttpResponseMessage> StartStreamAsync(HostedSilo silo, string model)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent($$"""{"model":"{{model}}","prompt":"The license grants you","max_tokens":24,"temperature":0,"stream":true}""", Encoding.UTF8, "application/json"),
        };
        var response = await silo.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new MediaTypeHeaderValue("text/event-stream").MediaType, response.Content.Headers.ContentType?.MediaType);
        return response;
    }
}
