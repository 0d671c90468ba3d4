using DistInfer.Grains.Weights;
using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>Weight-loading progress of a deployment: what <see cref="Progress"/> reads while loads run.</summary>
public sealed partial class ModelRegistryGrain
{
    public Task<DeploymentProgress> Progress()
    {
        DeactivateIfUnknown();
        return Task.FromResult(ProgressNow());
    }

    private DeploymentProgress ProgressNow() => new()
    {
        Model = this.GetPrimaryKeyString(),
        Activations = [.. _progress.Values.OrderBy(p => p.Kind, StringComparer.Ordinal).ThenBy(p => p.Key, StringComparer.Ordinal)],
        Complete = _complete,
        Error = _error,
    };

    public Task ReportProgress(WeightLoadProgress progress)
    {
        // A report from another silo is a reactivation there (its silo died): its progress starts over.
        if (!_progress.TryGetValue(progress.Key, out var known) || progress.IsAfter(known) || (known.Silo.Length > 0 && progress.Silo != known.Silo))
        {
            _progress[progress.Key] = progress;
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs one activation's load; once it returns the activation has its weights, whatever reports are still on their way.</summary>
    private async Task Track(string kind, string key, Func<Task<(string Silo, WeightLoadProgress? Weights)>> load)
    {
        _progress[key] = new WeightLoadProgress { Kind = kind, Key = key, Phase = WeightLoadPhase.Pending };
        var (silo, weights) = await load();
        var last = weights ?? _progress[key];
        _progress[key] = last with { Kind = kind, Key = key, Silo = silo, Phase = WeightLoadPhase.Loaded, BytesLoaded = last.BytesTotal, Error = null };
    }

    private static (string, WeightLoadProgress?) Final(StageStatus status) => (status.Silo, status.Weights);

    private static (string, WeightLoadProgress?) Final(ExpertStatus status) => (status.Silo, status.Weights);
}
