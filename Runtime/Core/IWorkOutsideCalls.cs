namespace DistInfer.Runtime;

/// <summary>
/// A grain whose work also arrives outside grain calls (other grains of its silo use what it registered, such as
/// weights, directly): idle collection asks it before deactivating it, and an activation that worked since the last
/// time it was asked counts as active now.
/// </summary>
public interface IWorkOutsideCalls
{
    /// <summary>
    /// Whether any such work happened since the previous call. Called by the collector, not in a turn, under the
    /// activation's lock: keep it to reading a counter.
    /// </summary>
    bool WorkedSinceLastAsked();
}
