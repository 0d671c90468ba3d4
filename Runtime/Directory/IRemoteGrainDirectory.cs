using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Directory;

/// <summary>A silo's directory partition, called by other silos (system target "sys.directory").</summary>
public interface IRemoteGrainDirectory : ISystemTarget
{
    /// <summary>Registers if absent; returns the registered address (the caller's, or the one already there).</summary>
    Task<SiloAddress> RegisterAsync(GrainId grainId, SiloAddress address);

    Task<SiloAddress?> LookupAsync(GrainId grainId);

    Task UnregisterAsync(GrainId grainId, SiloAddress address);
}
