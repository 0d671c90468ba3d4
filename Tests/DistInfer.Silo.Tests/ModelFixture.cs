using DistInfer.Engine.Serving;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Tests;

/// <summary>
/// The demo MoE model loaded once for all tests under several names: "demo" (the normal one), "small" and
/// "large" (the two ends of a dynamic route), "full" (a queue of zero, so every request is over capacity).
/// </summary>
public sealed class ModelFixture : IAsyncLifetime
{
    public LocalInferenceService Service { get; } = new();

    public Task InitializeAsync()
    {
        Service.Add("demo", RepoPaths.DemoModel);
        Service.Add("small", RepoPaths.DemoModel);
        Service.Add("large", RepoPaths.DemoModel);
        Service.Add("full", RepoPaths.DemoModel, new BatcherOptions { MaxWaiting = 0 });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Service.DisposeAsync();
}
