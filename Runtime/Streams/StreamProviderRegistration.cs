using DistInfer.Runtime.Activation;

namespace DistInfer.Runtime.Streams;

/// <summary>DI record of a configured stream provider name (no factory: the memory provider).</summary>
public sealed record StreamProviderRegistration(string Name)
{
    /// <summary>Builds the provider for (services, grain factory, consuming activation or null for producers).</summary>
    internal Func<IServiceProvider, IGrainFactory, ActivationData?, IStreamProvider>? Factory { get; init; }
}
