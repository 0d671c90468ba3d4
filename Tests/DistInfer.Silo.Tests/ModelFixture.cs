using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Tests;

/// <summary>
/// The demo MoE model loaded once for all tests under several names: "demo" (the normal one), "small" and
/// "large" (the two ends of a dynamic route), "full" (room for one sequence, which the fixture holds, so every
/// request is over capacity) and "busy" (room for 4 sequences, 2 of which the fixture holds). The held sequences
/// never finish (<see cref="StalledExecutor"/>): a request that "full" or "busy" admits would wait forever.
/// </summary>
public sealed class ModelFixture : IAsyncLifetime
{
    public const int BusyCapacity = 4;
    public const int BusyHeld = 2;

    public LocalInferenceService Service { get; } = new();

    public async Task InitializeAsync()
    {
        Service.Add("demo", RepoPaths.DemoModel);
        Service.Add("small", RepoPaths.DemoModel);
        Service.Add("large", RepoPaths.DemoModel);
        Service.Add("full", RepoPaths.DemoModel, new BatcherOptions { MaxRunning = 1, MaxWaiting = 0 }, executor: e => new StalledExecutor(e));
        Service.Add("busy", RepoPaths.DemoModel, new BatcherOptions { MaxRunning = 2, MaxWaiting = BusyCapacity - 2 }, executor: e => new StalledExecutor(e));
        await HoldAsync("full", 1);
        await HoldAsync("busy", BusyHeld);
    }

    public async Task DisposeAsync() => await Service.DisposeAsync();

    private async Task HoldAsync(string model, int sequences)
    {
        var held = new SequenceRequest[sequences];
        Array.Fill(held, new SequenceRequest([1], new SamplingParams { MaxNewTokens = 1 }));
        await Service.StartAsync(model, held, CancellationToken.None);
    }
}
