using DistInfer.Engine;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>Putting the previous deployment back after a redeployment failed part way.</summary>
public sealed partial class ModelRegistryGrain
{
    /// <summary>
    /// A redeployment failed after some of it loaded (an expert that fits nowhere, a silo lost while loading): stages
    /// may already hold the new plan's layers and new expert replicas their weights, while the previous deployment is
    /// the one requests use, so its steps would run on the wrong layers. Records the previous plan again under a
    /// version above anything the attempt handed out (a stage keeps the newest replica set it saw), loads it back on
    /// its stages, and releases the stages and expert replicas only the attempt used.
    /// </summary>
    private async Task RestoreAsync(DeploymentInfo previous, DeploymentInfo attempted, long attemptVersion)
    {
        var restored = previous with { ReplicaSetVersion = attemptVersion + 1, DeployedUtc = DateTime.UtcNow };

        await RecordAndLoadStagesAsync(restored);
        var attemptedExperts = _progress.Values.Where(p => p.Kind == WeightLoading.Expert).Select(p => p.Key);
        await BestEffortAsync([.. UnloadStages(attempted, replacedBy: restored), .. RetireExperts(attemptedExperts, replacedBy: restored)]);
    }

    /// <summary>What a failed redeployment reports: its own error, and whether the previous deployment serves on.</summary>
    private async Task<Exception> RestoreAfterAsync(Exception error, DeploymentInfo previous, DeploymentInfo attempted, long attemptVersion)
    {
        var name = this.GetPrimaryKeyString();

        // Recorded already (the failure came after the attempt's plan went to every silo): fronts switched to it and
        // ended the requests running on the previous plan.
        var published = !ReferenceEquals(_deployment, previous);
        try
        {
            await RestoreAsync(previous, attempted, attemptVersion);
            _error = $"redeploying {name} failed: {error.Message}; the previous deployment ({Plan(previous)}) was restored and serves on"
                + (published ? " (requests running when the attempt's plan was published were ended)" : "");
            _complete = true;
        }
        catch (Exception restoreError)
        {
            _error = $"redeploying {name} failed: {error.Message}; restoring the previous deployment ({Plan(previous)}) failed too: {restoreError.Message}";
        }

        return new DistInferException(_error, error);
    }

    private static string Plan(DeploymentInfo info) =>
        $"{info.Stages} stage(s), {info.Replicas} replica(s), {info.ExpertReplicas} replica(s) per expert";
}
