namespace DistInfer.Silo.Tests.Processes;

/// <summary>kill -9 of a silo process while `distinfer deploy` loads a model on a three-silo cluster on Redis.</summary>
[Collection(SiloProcessesCollection.Name)]
public sealed class ProcessDeployFaultTests
{
    [Fact]
    public async Task Deploy_SiloProcessKilledDuringIt_SaysTheSiloMayHaveDiedAndARerunSucceeds()
    {
        const string Name = "demo-cut-deploy";
        var cluster = new ProcessFabricCluster();
        await cluster.InitializeAsync();
        try
        {
            var gateway = cluster.Silos[0];
            var victim = cluster.Silos[2];
            string[] deploy = ["deploy", "--model", RepoPaths.DemoModel, "--name", Name, "--stages", "2", "--expert-replicas", "2",
                "--gateway", gateway.Gateway, "--cluster-id", cluster.ClusterId];

            // Frozen first, so the deploy's loads on it hang until the kill cuts them (or find it gone).
            await victim.SignalAsync("STOP");
            var cut = CliProcess.RunAsync(deploy);
            victim.Kill();
            var result = await cut;

            // Before: "distinfer: Cannot connect to 127.0.0.1:PORT@GEN: ConnectionRefused" and nothing else.
            Assert.Equal(1, result.ExitCode);
            var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("distinfer: ", StringComparison.Ordinal));
            Assert.Contains($"127.0.0.1:{victim.Port}@", line, StringComparison.Ordinal);
            Assert.Contains("it may have died", line, StringComparison.Ordinal);
            Assert.Contains("run it again once `distinfer status` shows the silo Dead", line, StringComparison.Ordinal);

            var dead = await cluster.SiloRowWhenDeadAsync(gateway, victim, TimeSpan.FromSeconds(60));

            Assert.Equal("Dead", dead.GetProperty("status").GetString());
            var rerun = await CliProcess.RunAsync(deploy);
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
