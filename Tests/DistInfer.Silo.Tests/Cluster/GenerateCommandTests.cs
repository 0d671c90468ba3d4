using System.Diagnostics;
using System.Globalization;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Silo.Tests.Cluster;

/// <summary>`distinfer generate --gateway` (the real program) against a real silo: streaming and Ctrl+C.</summary>
public sealed class GenerateCommandTests : IAsyncLifetime
{
    private const string ClusterId = "generate-test";
    private const string Model = "gendemo";

    // The stage runs a few steps and then waits until the test lets it go, so the silo cannot finish first.
    private const int FreeSteps = 4;
    private readonly StepGateListener _gate = new(new StageKey(Model, 0, 0).ToString(), FreeSteps);
    private HostedSilo _silo = null!;

    public async Task InitializeAsync()
    {
        _silo = await HostedSilo.StartAsync("generate", ClusterId, redis: null, configureServices: s => s.AddSingleton<IStageActivityListener>(_gate));
        await _silo.Front.DeployAsync(Model, new DeploymentRequest { ModelPath = RepoPaths.DemoModel });
    }

    public async Task DisposeAsync()
    {
        _gate.Release();
        await _silo.DisposeAsync();
    }

    [Fact]
    public async Task Generate_TerminatedWhileStreaming_ExitsCancelledAndTheSiloStopsTheSequence()
    {
        using var process = Process.Start(CliProcess.StartInfo(CliProcess.DllPath,
            ["generate", "--gateway", _silo.Gateway, "--cluster-id", ClusterId, "--model", Model, "--prompt", "def main(",
             "--max-new-tokens", "900", "--min-new-tokens", "900"]))!;
        var stderr = process.StandardError.ReadToEndAsync();

        // The prompt's continuation is printed as it comes: the first text arrives while the silo holds the sequence.
        var first = new char[64];
        var read = await process.StandardOutput.ReadAsync(first).AsTask().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(read > 0, "the CLI printed nothing before the signal");
        var rest = process.StandardOutput.ReadToEndAsync();
        // SIGTERM, which the CLI treats as Ctrl+C: a test run started in the background (CI, `cmd &`) ignores SIGINT, and
        // so do the processes it starts, as shells do for background jobs.
        using (var interrupt = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }

        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(TimeSpan.FromMinutes(1))) != exited)
        {
            process.Kill();
            Assert.Fail($"the CLI did not exit within a minute of SIGTERM; stdout: {new string(first, 0, read)}{await rest}; stderr: {await stderr}");
        }

        Assert.Equal(130, process.ExitCode);
        Assert.Equal("distinfer: cancelled", (await stderr).Trim());
        await rest;

        // Before, the CLI made one non-streaming call, and the silo generated all 900 tokens for nobody.
        Assert.Equal(0, _silo.Services.GetRequiredService<GenerationSessions>().Count);
        _gate.Release();
        var batchers = _silo.Front.BatchersOf(Model);
        await Task.WhenAll(batchers.Select(b => b.WhenIdleAsync()));
        Assert.InRange(batchers.Sum(b => b.Steps), 1, FreeSteps + 2);
    }
}
