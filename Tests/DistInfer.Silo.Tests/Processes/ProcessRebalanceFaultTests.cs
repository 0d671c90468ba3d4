namespace DistInfer.Silo.Tests.Processes;

/// <summary>kill -9 of a silo process while `distinfer rebalance` runs on a three-silo cluster on Redis.</summary>
[Collection(SiloProcessesCollection.Name)]
public sealed class ProcessRebalanceFaultTests
{
    [Fact]
    public async Task Rebalance_SiloProcessKilledDuringIt_OneLineNamingTheSiloAndARerunThatSucceeds()
    {
        const string Name = "demo-cut";
        var cluster = new ProcessFabricCluster();
        await cluster.InitializeAsync();
        try
        {
            var gateway = cluster.Silos[0];
            var victim = cluster.Silos[2];
            await cluster.CliAsync(gateway, "deploy", "--model", RepoPaths.DemoModel, "--name", Name, "--stages", "2", "--expert-replicas", "2");

            // Frozen first, so the rebalance's calls to it hang until the kill cuts them (or, if the CLI is slower to
            // start than the kill, find it gone): either way the rebalance meets a silo that died under it.
            await victim.SignalAsync("STOP");
            var rebalance = CliProcess.RunAsync("rebalance", "--model", Name, "--slots", "24", "--gateway", gateway.Gateway, "--cluster-id", cluster.ClusterId);
            victim.Kill();
            var result = await rebalance;

            Assert.Equal(1, result.ExitCode);
            var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"distinfer: rebalance of model {Name} was interrupted: silo {victim.Name} (127.0.0.1:{victim.Port}@", line, StringComparison.Ordinal);
            Assert.Contains("may have died", line, StringComparison.Ordinal);
            Assert.Contains("`distinfer rebalance` again", line, StringComparison.Ordinal);

            // The rerun the message asks for, once status shows the silo dead, goes through.
            var dead = await cluster.SiloRowWhenDeadAsync(gateway, victim, TimeSpan.FromSeconds(60));

            Assert.Equal("Dead", dead.GetProperty("status").GetString());
            var rerun = await CliProcess.RunAsync("rebalance", "--model", Name, "--slots", "24", "--gateway", gateway.Gateway, "--cluster-id", cluster.ClusterId);
            Assert.True(rerun.ExitCode == 0, $"rerun: {rerun.Stderr}");
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\nsilo output:\n{cluster.Output}");
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
