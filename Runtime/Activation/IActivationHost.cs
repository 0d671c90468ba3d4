namespace DistInfer.Runtime.Activation;

/// <summary>What an activation needs from its silo.</summary>
internal interface IActivationHost
{
    IServiceProvider Services { get; }

    IGrainFactory GrainFactory { get; }

    TimeProvider Time { get; }

    string SiloIdentity { get; }

    /// <summary>Deliver again through routing (the activation went away before running it).</summary>
    void Reroute(ActivationData from, WorkItem item);

    /// <summary>The activation finished deactivating: forget it (catalog and directory).</summary>
    void OnDeactivated(ActivationData activation);
}
