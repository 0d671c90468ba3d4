using System.Globalization;
using DistInfer.Silo.Tests.Cluster;

namespace DistInfer.Silo.Tests.Processes;

/// <summary>How `distinfer-silo` ends when it cannot start or the cluster votes it out: what scripts and systemd see.</summary>
[Collection(SiloProcessesCollection.Name)]
public sealed class SiloExitTests
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Run_DeclaredDeadByTheCluster_ExitsWithStatusThree()
    {
        await using var redis = await RedisServer.StartAsync();
        var clusterId = "dead-" + Guid.NewGuid().ToString("N")[..8];
        await using var survivor = await SiloProcess.StartAsync(redis.Endpoint, clusterId, "survivor");
        await using var victim = await SiloProcess.StartAsync(redis.Endpoint, clusterId, "victim");
        try
        {
            // Frozen, it misses the survivor's probes and is voted dead; resumed, it reads its own Dead row and stops.
            await victim.SignalAsync("STOP");
            await survivor.WaitForLineAsync($"declared 127.0.0.1:{victim.Port.ToString(CultureInfo.InvariantCulture)}@", TimeSpan.FromSeconds(60));
            await victim.SignalAsync("CONT");

            // Non-zero, so systemd's Restart=on-failure brings it back as a new silo.
            Assert.Equal(3, await victim.WaitForExitAsync(StartLimit));
            Assert.Contains("found itself declared dead", victim.Output, StringComparison.Ordinal);
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\nsurvivor:\n{survivor.Output}\nvictim:\n{victim.Output}");
        }
    }

    [Fact]
    public async Task Run_RedisUnreachable_OneErrorLineNoStackTraceExitCodeOne()
    {
        var port = FreePort.Next();

        var result = await DotnetTool.RunSiloAsync(StartLimit, "--clustering", "redis", "--redis", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            "--silo-port", FreePortText(), "--http-port", FreePortText());

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("distinfer-silo: ", line, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.Stdout + result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/proc/distinfer-cache")] // cannot be created
    [InlineData("/proc/sys")] // exists, cannot be written (even by root)
    public async Task Run_ModelCacheUnusable_RefusesToStartNamingTheDirectory(string cache)
    {
        var result = await DotnetTool.RunSiloAsync(StartLimit, "--model-cache", cache, "--silo-port", FreePortText(), "--http-port", FreePortText());

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith($"distinfer-silo: model cache {cache} cannot be created or written (", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ModelWithCorruptTokenizerConfig_RefusesToStartNamingTheFile()
    {
        using var temp = new TempDirectory();
        var model = ModelCopy.Of(temp, "corrupt", RepoPaths.DemoModel, ("tokenizer_config.json", "{\"chat_template\": \"x\", "));

        var result = await DotnetTool.RunSiloAsync(StartLimit, "--model", model, "--silo-port", FreePortText(), "--http-port", FreePortText());

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.StderrLines, l => l.StartsWith("distinfer-silo: ", StringComparison.Ordinal));
        Assert.StartsWith($"distinfer-silo: cannot deploy demo-moe from {model}: model path {model}: tokenizer_config.json is not valid JSON: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BatchInvariantSwitchUnknown_OneErrorLineNamingTheVariable()
    {
        // Read when the silo picks its compute device, so a typo stops the start instead of every later deploy.
        var environment = new Dictionary<string, string> { ["DISTINFER_BATCH_INVARIANT"] = "maybe" };

        var result = await DotnetTool.RunSiloAsync(StartLimit, environment, "--silo-port", FreePortText(), "--http-port", FreePortText());

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.StderrLines);
        Assert.Equal("distinfer-silo: DISTINFER_BATCH_INVARIANT='maybe' is not a switch; use 1/true/on or 0/false/off", line);
    }

    private static string FreePortText() => FreePort.Next().ToString(CultureInfo.InvariantCulture);
}
