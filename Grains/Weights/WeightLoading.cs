using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Grains.Weights;

/// <summary>How stage and expert grains load: open their tensors through the silo's store, build, report progress to the model's registry.</summary>
internal static class WeightLoading
{
    public const string Stage = "stage";
    public const string Expert = "expert";

    /// <summary>The built weights and the activation's final progress (kept for its Status).</summary>
    public static async Task<(T Result, WeightLoadProgress Progress)> LoadAsync<T>(Grain grain, string kind, string model, string modelPath, IReadOnlyList<string> sources,
        Func<ModelConfig, IReadOnlyCollection<string>, IReadOnlyList<string>> select, Func<ITensorSource, ModelConfig, T> build)
    {
        var store = grain.ServiceProvider.GetRequiredService<ModelWeightStore>();
        var registry = grain.GrainFactory.GetGrain<IModelRegistryGrain>(model);
        var tracker = new WeightLoadTracker(kind, grain.GetPrimaryKeyString(), grain.RuntimeIdentity, p => registry.ReportProgress(p));
        try
        {
            using var lease = await store.OpenAsync(modelPath, sources, select, tracker);
            var result = build(lease.Tensors, lease.Config);
            tracker.Complete();
            return (result, tracker.Snapshot());
        }
        catch (Exception e)
        {
            tracker.Fail(e.Message);
            throw;
        }
    }
}
