namespace DistInfer.Grains.Weights;

/// <summary>How a silo finds model weights: directly on its file system, or shipped into its model cache.</summary>
public sealed class WeightsOptions
{
    /// <summary>Where shipped weights are cached (distinfer-silo --model-cache).</summary>
    public string CacheDirectory { get; set; } = DefaultCacheDirectory();

    /// <summary>
    /// Most bytes the model cache may hold; 0 (default) means no limit. After a fetch that leaves the cache larger,
    /// whole model folders go, least recently used first, except those this silo is loading from (mapped) or
    /// fetching into; the model just fetched stays even when it alone is over the limit. Counts the model folders
    /// only; give each silo its own cache directory, as silos sharing one do not see each other's use.
    /// </summary>
    public long CacheMaxBytes { get; set; }

    /// <summary>
    /// Whether this silo reads a model path directly (default: the directory exists here). Tests hide a path from
    /// one silo with it; a deployment could restrict silos to some model roots.
    /// </summary>
    public Func<string, bool> IsLocalPath { get; set; } = Directory.Exists;

    /// <summary>Bytes per shipping call (raw tensor bytes); clamped to 64 KiB .. 64 MiB.</summary>
    public int ChunkBytes { get; set; } = 8 << 20;

    /// <summary>Shipping calls kept in flight per fetch, so the network and the disk overlap.</summary>
    public int ChunksInFlight { get; set; } = 4;

    /// <summary>Check a cached part's SHA-256 before using it (reads the file once; sizes are always checked).</summary>
    public bool VerifyChecksums { get; set; } = true;

    /// <summary>$XDG_CACHE_HOME/distinfer/models, else ~/.cache/distinfer/models (LocalApplicationData on Windows).</summary>
    public static string DefaultCacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root;
        if (!string.IsNullOrEmpty(xdg))
        {
            root = xdg;
        }
        else if (OperatingSystem.IsWindows())
        {
            root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        }
        else
        {
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        }

        return Path.Combine(root, "distinfer", "models");
    }
}
