namespace DistInfer.Runtime.Directory;

/// <summary>
/// Asks a silo whether it holds an activation of a grain (system target "sys.activations"). A directory owner
/// that just took over entries (a silo left or joined) uses it before admitting a second activation.
/// </summary>
public interface IActivationLocator : ISystemTarget
{
    Task<bool> HostsAsync(GrainId grainId);
}
