using DistInfer.Engine;

namespace DistInfer.Silo.Hosting;

/// <summary>
/// Checks at start-up that the model cache folder can be created and written. A silo that cannot cache shipped
/// weights would still join and be given expert replicas (the join rebalance) whose loads fail, so every request for
/// those models would fail cluster-wide: it refuses to start instead.
/// </summary>
internal static class ModelCacheProbe
{
    /// <exception cref="DistInferException">The folder cannot be created, or a file in it cannot be written or deleted.</exception>
    public static void Check(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".distinfer-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, [0]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new DistInferException(
                $"model cache {directory} cannot be created or written ({e.Message}); pass --model-cache with a writable directory", e);
        }
    }
}
