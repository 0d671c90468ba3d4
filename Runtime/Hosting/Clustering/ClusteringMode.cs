namespace DistInfer.Runtime.Hosting.Clustering;

/// <summary>Where the membership table lives.</summary>
public enum ClusteringMode
{
    /// <summary>In-memory table in this process: a one-process cluster for development.</summary>
    Localhost,

    /// <summary>One Redis hash per cluster: silos in separate processes or machines.</summary>
    Redis,
}
