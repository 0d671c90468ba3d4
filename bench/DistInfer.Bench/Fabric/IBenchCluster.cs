using DistInfer.Runtime;

namespace DistInfer.Bench.Fabric;

/// <summary>Silos hosting the fabric, and a grain factory to deploy and run steps through.</summary>
internal interface IBenchCluster : IAsyncDisposable
{
    /// <summary>"in-process" or "processes": how the silos run.</summary>
    string Kind { get; }

    IGrainFactory Factory { get; }
}
