namespace DistInfer.Runtime.Cluster;

/// <summary>Supplies the load published for placement; replace it to add accelerator (GPU) figures.</summary>
public interface ISiloStatisticsProvider
{
    SiloStatistics GetStatistics(int activationCount);
}
