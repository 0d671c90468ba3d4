using System.Collections.Concurrent;
using System.Diagnostics;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DistInfer.Runtime.Tests.Processes;

/// <summary>Silos as separate OS processes joined through a real redis-server.</summary>
public sealed class ProcessClusterTests(RedisServerFixture redis, ITestOutputHelper output) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan DeathTarget = TimeSpan.FromSeconds(10);
    private static readonly string[] Keys = [.. Enumerable.Range(0, 30).Select(i => "key" + i)];

    [Fact]
    public async Task KillNine_OneOfThreeSilos_DeclaredDeadWithin10sAndItsGrainsReactivateOnSurvivorsOnce()
    {
        await using var cluster = await ProcessCluster.StartAsync(redis, 3);
        var client = await cluster.ConnectClientAsync();
        await cluster.WaitForPlacementOnAllSilosAsync(client);
        var before = new Dictionary<string, (string Silo, string Activation)>();
        foreach (var key in Keys)
        {
            before[key] = await ProcessCluster.IdentifyAsync(client, key);
        }

        Assert.Equal(3, before.Values.Select(v => v.Silo).Distinct().Count());

        // The victim is not the client's gateway, so what is measured is silo death, not gateway failover.
        var victim = cluster.Silos.First(s => !client.CurrentGateway.StartsWith($"{s.Address.Host}:{s.Address.Port}@", StringComparison.Ordinal));
        var victimText = victim.Address.ToString();
        var observed = new ConcurrentBag<(string Key, string Silo, string Activation)>();
        var errors = new List<Exception>();
        var watch = Stopwatch.StartNew();
        victim.Kill();

        // Poll the table every 100 ms; callers keep calling every key meanwhile (each round is one poll step).
        var declared = await cluster.PollAsync(
            async () =>
            {
                await CallEveryKeyAsync(client, observed, errors);
                return (await cluster.Table.ReadAllAsync()).Find(victim.Address)?.Entry.Status == SiloStatus.Dead;
            },
            DeathTarget,
            $"{victimText} declared dead");
        output.WriteLine($"kill -9 of {victimText}: declared dead after {declared.TotalMilliseconds:0} ms (kill to Dead row, polled every 100 ms)");
        Assert.True(watch.Elapsed <= DeathTarget + TimeSpan.FromSeconds(1), $"declared dead after {watch.Elapsed}");

        // After the verdict every key answers again (survivors read the Dead row within their 1 s table refresh).
        var after = new Dictionary<string, (string Silo, string Activation)>();
        await cluster.PollAsync(
            async () =>
            {
                var pending = Keys.Where(k => !after.ContainsKey(k)).ToArray();
                foreach (var key in pending)
                {
                    try
                    {
                        var answer = await ProcessCluster.IdentifyAsync(client, key);
                        after[key] = answer;
                        observed.Add((key, answer.Silo, answer.Activation));
                    }
                    catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                    {
                        errors.Add(ex);
                    }
                }

                return after.Count == Keys.Length;
            },
            DeathTarget,
            "every grain answering after the death declaration");

        foreach (var key in Keys)
        {
            var again = await ProcessCluster.IdentifyAsync(client, key);
            observed.Add((key, again.Silo, again.Activation));
            Assert.NotEqual(victimText, again.Silo);
            if (before[key].Silo != victimText)
            {
                // Grains on survivors were never re-activated.
                Assert.Equal(before[key].Activation, again.Activation);
            }
        }

        Assert.Contains(before.Values, v => v.Silo == victimText);

        // No duplicate activation: after the kill each key was served by exactly one activation on the survivors.
        foreach (var group in observed.Where(o => o.Silo != victimText).GroupBy(o => o.Key))
        {
            var activations = group.Select(o => o.Activation).Distinct().ToArray();
            Assert.True(activations.Length == 1, $"{group.Key}: {activations.Length} activations observed: {string.Join(", ", group.Select(o => o.Silo).Distinct())}");
        }

        // Callers of the dead silo's grains got a clear error naming it (or a retried success).
        foreach (var message in errors.Select(e => $"{e.GetType().Name}: {e.Message}").Distinct())
        {
            output.WriteLine("caller saw: " + message);
        }

        Assert.All(errors, e => Assert.Contains($"{victim.Address.Host}:{victim.Address.Port}", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task KillNine_TheClientsGateway_ClientFailsOverToAGatewayFromTheTable()
    {
        await using var cluster = await ProcessCluster.StartAsync(redis, 2);
        var client = await cluster.ConnectClientAsync();
        var first = await ProcessCluster.IdentifyAsync(client, "gateway-key");
        var gateway = cluster.Silos.Single(s => client.CurrentGateway.StartsWith($"{s.Address.Host}:{s.Address.Port}@", StringComparison.Ordinal));
        gateway.Kill();
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10));

        // The first call may fail with the lost connection; the client then connects to the other gateway.
        var answer = await cluster.PollAsync(
            async () =>
            {
                try
                {
                    await ProcessCluster.IdentifyAsync(client, "gateway-key");
                    return true;
                }
                catch (SiloUnavailableException)
                {
                    return false;
                }
            },
            DeathTarget + DeathTarget,
            "a call through another gateway");
        var survivor = cluster.Silos.Single(s => s != gateway);
        Assert.StartsWith($"{survivor.Address.Host}:{survivor.Address.Port}@", client.CurrentGateway, StringComparison.Ordinal);
        Assert.NotEqual(first.Activation, string.Empty);
        output.WriteLine($"failover answered after {answer.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task SigTerm_OneOfTwoSilos_LeavesTheTableAndItsGrainsAnswerFromTheSurvivor()
    {
        await using var cluster = await ProcessCluster.StartAsync(redis, 2);
        var client = await cluster.ConnectClientAsync();
        var leaving = cluster.Silos.First(s => !client.CurrentGateway.StartsWith($"{s.Address.Host}:{s.Address.Port}@", StringComparison.Ordinal));
        foreach (var key in Keys)
        {
            await ProcessCluster.IdentifyAsync(client, key);
        }

        using (var term = Process.Start("kill", ["-TERM", leaving.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        // Graceful: exit code 0, its row goes Dead by itself (no votes), nobody waits for probes.
        Assert.Equal(0, await leaving.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var row = (await cluster.Table.ReadAllAsync()).Find(leaving.Address);
        Assert.Equal(SiloStatus.Dead, row!.Value.Entry.Status);
        Assert.Empty(row.Value.Entry.SuspectTimes);
        var survivor = cluster.Silos.Single(s => s != leaving).Address.ToString();
        await cluster.PollAsync(
            async () =>
            {
                try
                {
                    foreach (var key in Keys)
                    {
                        Assert.Equal(survivor, (await ProcessCluster.IdentifyAsync(client, key)).Silo);
                    }

                    return true;
                }
                catch (SiloUnavailableException)
                {
                    // The survivor reads the Dead row at its next table refresh (1 s).
                    return false;
                }
            },
            DeathTarget,
            "every grain answering from the survivor");
    }

    [Fact]
    public async Task Start_RedisUnreachable_HostExitsNonZeroWithOneLineNamingHostAndPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        await using var silo = SiloProcess.Start("--redis", $"127.0.0.1:{port}", "--cluster", "unreachable");
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        var lines = silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("error: cannot reach Redis at 127.0.0.1:" + port, line, StringComparison.Ordinal);
        Assert.DoesNotContain(" at DistInfer", line, StringComparison.Ordinal);
    }

    private static async Task CallEveryKeyAsync(IGrainFactory client, ConcurrentBag<(string Key, string Silo, string Activation)> observed, List<Exception> errors)
    {
        foreach (var key in Keys)
        {
            try
            {
                var answer = await ProcessCluster.IdentifyAsync(client, key);
                observed.Add((key, answer.Silo, answer.Activation));
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                errors.Add(ex);
            }
        }
    }
}
