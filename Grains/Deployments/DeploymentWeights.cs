namespace DistInfer.Grains.Deployments;

/// <summary>
/// The weights section of a deployed model as its activations report it now. The registry's record is written as
/// loads report in, so after a silo died it still named activations on the dead silo as loaded, and a registry that
/// reactivated elsewhere knew of none (0/0 activations, "100 %"). A status call asks every stage and expert anyway;
/// what they answer replaces the record once the model is deployed. While it deploys the record is the live view.
/// </summary>
internal static class DeploymentWeights
{
    /// <summary>One activation as its status call found it: its own progress, or pending when it has no weights.</summary>
    public static WeightLoadProgress Observed(string kind, string key, string silo, WeightLoadProgress? weights) =>
        weights is null
            ? new WeightLoadProgress { Kind = kind, Key = key, Silo = silo, Phase = WeightLoadPhase.Pending }
            : weights with { Kind = kind, Key = key, Silo = silo };

    /// <summary><paramref name="recorded"/> with the observed activations when the model is deployed (in <paramref name="observed"/>).</summary>
    public static DeploymentProgress Live(DeploymentProgress recorded, IReadOnlyDictionary<string, List<WeightLoadProgress>> observed)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(observed);
        if (!recorded.Complete || !observed.TryGetValue(recorded.Model, out var activations))
        {
            return recorded;
        }

        return new DeploymentProgress
        {
            Model = recorded.Model,
            Activations = [.. activations.OrderBy(p => p.Kind, StringComparer.Ordinal).ThenBy(p => p.Key, StringComparer.Ordinal)],
            Complete = recorded.Complete,
            Error = recorded.Error,
        };
    }
}
