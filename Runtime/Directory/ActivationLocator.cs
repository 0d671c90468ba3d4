namespace DistInfer.Runtime.Directory;

/// <summary>This silo's answer to <see cref="IActivationLocator"/>: its catalog holds (or is activating) the grain.</summary>
internal sealed class ActivationLocator(Func<GrainId, bool> hosts) : IActivationLocator
{
    public const string SystemTargetType = "sys.activations";

    public Task<bool> HostsAsync(GrainId grainId) => Task.FromResult(hosts(grainId));
}
