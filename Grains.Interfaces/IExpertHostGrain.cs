using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// The expert replicas of one silo as one call target, keyed by the silo's pin ("host:port", as in expert keys):
/// a stage whose step routes tokens to several replicas on that silo sends them in one call, so a layer costs one
/// message each way per silo rather than per expert.
/// </summary>
public interface IExpertHostGrain : IGrainWithStringKey
{
    /// <summary>Runs each replica of the batch on its weights on this silo, one after another.</summary>
    [return: Immutable]
    Task<ExpertBatchResult> Forward([Immutable] ExpertBatch batch);
}
