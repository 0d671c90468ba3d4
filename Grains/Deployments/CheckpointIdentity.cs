using DistInfer.Engine;

namespace DistInfer.Grains.Deployments;

/// <summary>
/// Whether a deployment brings the checkpoint its name already serves. Stage and expert activations keep the weights
/// and shapes they loaded, so a name cannot switch checkpoints in place; the same checkpoint may come from another
/// path (another machine's copy, or weights shipped to silos without it), so the content is compared, not the path.
/// </summary>
public static class CheckpointIdentity
{
    /// <summary>Throws, naming both checkpoints, when <paramref name="deployed"/> serves another checkpoint.</summary>
    public static void ThrowIfOther(DeploymentInfo? deployed, string modelPath, string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        if (deployed is null || IsSame(deployed, modelPath, fingerprint))
        {
            return;
        }

        throw new DistInferException(
            $"model {deployed.Name} is already deployed from {deployed.ModelPath}, and {modelPath} is another checkpoint: " +
            $"deploy it under another name, or undeploy the model first (`distinfer undeploy --name {deployed.Name}`); a deployed name keeps its checkpoint, and redeploying the same one may change stages and replicas");
    }

    public static bool IsSame(DeploymentInfo deployed, string modelPath, string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(deployed);
        // A record or manifest from a silo that predates fingerprints: the path is all there is to compare.
        return deployed.CheckpointFingerprint.Length > 0 && !string.IsNullOrEmpty(fingerprint)
            ? deployed.CheckpointFingerprint == fingerprint
            : string.Equals(deployed.ModelPath, modelPath, StringComparison.Ordinal);
    }
}
