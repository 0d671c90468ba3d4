using DistInfer.Engine.Serving;

namespace DistInfer.Grains.Fabric;

/// <summary>What a silo's front serves a deployed model with: the record it learnt and a batcher per pipeline replica.</summary>
internal sealed record FrontModel(DeploymentInfo Info, ContinuousBatcher[] Batchers)
{
    /// <summary>Waits up to <paramref name="drain"/> for the batchers to go idle, then stops them; returns how many requests that ended.</summary>
    public async Task<int> RetireAsync(TimeSpan drain, Exception? reason)
    {
        using var timeout = new CancellationTokenSource(drain);
        try
        {
            await Task.WhenAll(Batchers.Select(b => b.WhenIdleAsync(timeout.Token))).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Drain time is up: whatever still runs is ended below.
        }

        var ended = 0;
        foreach (var b in Batchers)
        {
            ended += b.Running + b.Waiting;
            await b.StopAsync(reason).ConfigureAwait(false);
        }

        return ended;
    }

    /// <summary>Same stages, replicas and path: the batchers (and the requests they run) serve a record with this plan.</summary>
    public static bool SamePlan(DeploymentInfo a, DeploymentInfo b) =>
        a.Stages == b.Stages && a.Replicas == b.Replicas && a.ModelPath == b.ModelPath && a.Boundaries.SequenceEqual(b.Boundaries);
}
