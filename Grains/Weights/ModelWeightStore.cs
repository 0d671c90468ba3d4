using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DistInfer.Engine;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Config;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DistInfer.Grains.Weights;

/// <summary>
/// A silo's way to model weights: memory-mapped from the model path when this silo reads it, otherwise shipped
/// in chunks from a silo that does (the deployment's sources, else any silo that has the path) into the model
/// cache, verified, and memory-mapped from there. A later load of the same tensors on this silo hits the cache.
/// </summary>
public sealed partial class ModelWeightStore
{
    private readonly WeightsOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ModelManifest> _manifests = new(StringComparer.Ordinal);

    public ModelWeightStore(IOptions<WeightsOptions> options, ModelFileServer server, IServiceProvider services, ILogger<ModelWeightStore>? logger = null)
    {
        _options = options.Value;
        _services = services;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Server = server;
        Cache = new ModelCache(_options, _logger);
    }

    public ModelCache Cache { get; }

    /// <summary>This silo as a source for the others.</summary>
    public ModelFileServer Server { get; }

    private IGrainFactory Grains => _services.GetRequiredService<IGrainFactory>();

    private string? Self => _services.GetService<Silo>() is { IsRunning: true } silo ? silo.Address.ToString() : null;

    public bool IsLocal(string modelPath) => _options.IsLocalPath(modelPath);

    /// <summary>Silos that read <paramref name="modelPath"/>: this one first when it does, then every other active silo that answers.</summary>
    public async Task<List<string>> FindSourcesAsync(string modelPath)
    {
        var found = new List<string>();
        var self = Self;
        if (self is not null && IsLocal(modelPath))
        {
            found.Add(self);
        }

        var membership = _services.GetService<IClusterMembershipService>();
        var others = membership?.Current.ActiveSilos
            .Where(s => s.Address.ToString() != self && s.Hosts(typeof(IModelFileGrain).FullName!))
            .Select(s => s.Address.ToString()).ToList() ?? [];
        var answers = await Task.WhenAll(others.Select(async silo =>
        {
            try
            {
                return await Grains.GetGrain<IModelFileGrain>(silo).GetManifest(modelPath).ConfigureAwait(false) is null ? null : silo;
            }
            catch (Exception e)
            {
                LogSourceFailed(_logger, silo, modelPath, e.Message);
                return null;
            }
        })).ConfigureAwait(false);
        found.AddRange(answers.OfType<string>());
        return found;
    }

    /// <summary>The model's folder on this silo: the path itself, or its cache folder with config and tokenizer files shipped.</summary>
    public async Task<string> ResolveDirectoryAsync(string modelPath, IReadOnlyList<string> sources)
    {
        if (IsLocal(modelPath))
        {
            return modelPath;
        }

        var (manifest, source) = await ManifestAsync(modelPath, sources).ConfigureAwait(false);
        return await Cache.EnsureFilesAsync(manifest, source, modelPath).ConfigureAwait(false);
    }

    /// <summary>The model's manifest: built here when this silo reads the path, else asked of the silos that do.</summary>
    public async Task<ModelManifest> GetManifestAsync(string modelPath, IReadOnlyList<string> sources) =>
        await Server.GetManifestAsync(modelPath).ConfigureAwait(false) ?? (await ManifestAsync(modelPath, sources).ConfigureAwait(false)).Manifest;

    /// <summary>
    /// Opens the tensors <paramref name="select"/> picks (given the config and the checkpoint's names), shipping them
    /// first when needed. Progress goes to <paramref name="tracker"/>: shipping, then every tensor as it is read.
    /// </summary>
    public async Task<WeightLease> OpenAsync(string modelPath, IReadOnlyList<string> sources,
        Func<ModelConfig, IReadOnlyCollection<string>, IReadOnlyList<string>> select, WeightLoadTracker? tracker = null)
    {
        if (IsLocal(modelPath))
        {
            var config = ModelConfigReader.Load(modelPath);
            var checkpoint = Checkpoint.Open(modelPath);
            long total = 0;
            try
            {
                foreach (var name in select(config, checkpoint.Names))
                {
                    total += checkpoint.TryGetInfo(name, out var info) ? info.ByteLength : 0;
                }
            }
            catch
            {
                checkpoint.Dispose();
                throw;
            }

            tracker?.Start(total, 0);
            tracker?.BeginLoading();
            return new WeightLease(modelPath, config, Counted(checkpoint, tracker), shipped: false);
        }

        var (manifest, source) = await ManifestAsync(modelPath, sources).ConfigureAwait(false);
        // Held from the first file to the lease's end: a fetch of another model must not evict this folder meanwhile.
        var use = Cache.Use(manifest);
        try
        {
            return await OpenShippedAsync(modelPath, manifest, source, select, tracker, use).ConfigureAwait(false);
        }
        catch
        {
            use.Dispose();
            throw;
        }
    }

    private async Task<WeightLease> OpenShippedAsync(string modelPath, ModelManifest manifest, IModelFileSource source,
        Func<ModelConfig, IReadOnlyCollection<string>, IReadOnlyList<string>> select, WeightLoadTracker? tracker, ModelCacheUse use)
    {
        var directory = await Cache.EnsureFilesAsync(manifest, source, modelPath).ConfigureAwait(false);
        var cachedConfig = ModelConfigReader.Load(directory);
        var byName = manifest.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var wanted = select(cachedConfig, byName.Keys).Select(n => byName.TryGetValue(n, out var t) ? t
            : throw new CheckpointException($"{modelPath}: tensor '{n}' is not in the checkpoint")).ToList();
        var part = Cache.PartPath(manifest, wanted.Select(t => t.Name));
        var partBytes = wanted.Sum(t => t.ByteLength);
        var problem = Cache.CheckPart(part, wanted);
        tracker?.Start(partBytes, problem is null ? 0 : partBytes);
        if (problem is not null)
        {
            if (problem != "missing")
            {
                LogRefetch(_logger, part, problem);
            }

            var fetched = await Cache.EnsurePartAsync(manifest, wanted, source, modelPath, tracker is null ? null : tracker.Fetched).ConfigureAwait(false);
            LogShipped(_logger, fetched, wanted.Count, modelPath, part);
        }

        tracker?.BeginLoading();
        return new WeightLease(directory, cachedConfig, Counted(SafeTensorsFile.Open(part), tracker), shipped: true, use);
    }

    private static ITensorSource Counted(ITensorSource source, WeightLoadTracker? tracker) =>
        tracker is null ? source : new CountingTensorSource(source, tracker.Loaded);

    /// <summary>The manifest from the given sources, else from any silo that has the path, else the one remembered.</summary>
    private async Task<(ModelManifest Manifest, IModelFileSource Source)> ManifestAsync(string modelPath, IReadOnlyList<string> sources)
    {
        var key = Path.GetFullPath(modelPath);
        var self = Self;
        var given = new ClusterModelFileSource(Grains, [.. sources.Where(s => s != self)]);
        var manifest = given.Silos.Count > 0 ? await given.GetManifestAsync(modelPath).ConfigureAwait(false) : null;
        IModelFileSource source = given;
        if (manifest is null)
        {
            var found = new ClusterModelFileSource(Grains, [.. (await FindSourcesAsync(modelPath).ConfigureAwait(false)).Where(s => s != self)]);
            manifest = found.Silos.Count > 0 ? await found.GetManifestAsync(modelPath).ConfigureAwait(false) : null;
            source = found;
        }

        if (manifest is not null)
        {
            if (!_manifests.TryGetValue(key, out var known) || known.Fingerprint != manifest.Fingerprint)
            {
                _manifests[key] = manifest;
                SaveManifest(key, manifest);
            }

            return (manifest, source);
        }

        // No source reachable: what was shipped before still serves (every file is checked before use).
        return _manifests.TryGetValue(key, out var remembered) || (remembered = LoadManifest(key)) is not null
            ? (remembered, source)
            : throw new DistInferException($"model path {modelPath} does not exist on this silo, and no silo of the cluster can read it");
    }

    private string ManifestFile(string key) =>
        Path.Combine(Cache.ManifestDirectory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32] + ".json");

    private void SaveManifest(string key, ModelManifest manifest)
    {
        var path = ManifestFile(key);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = $"{path}.{Guid.NewGuid():N}.partial";
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(manifest, WeightsJsonContext.Default.ModelManifest));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only an offline fallback: shipping works without it.
            LogManifestNotSaved(_logger, path, e.Message);
        }
    }

    private ModelManifest? LoadManifest(string key)
    {
        var path = ManifestFile(key);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), WeightsJsonContext.Default.ModelManifest) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            LogManifestNotSaved(_logger, path, e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model manifest {Path} not usable: {Error}")]
    private static partial void LogManifestNotSaved(ILogger logger, string path, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shipped {Bytes} bytes ({Tensors} tensors) of {ModelPath} into {Part}")]
    private static partial void LogShipped(ILogger logger, long bytes, int tensors, string modelPath, string part);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cached weights {Part} unusable ({Problem}); fetching them again")]
    private static partial void LogRefetch(ILogger logger, string part, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Silo {Silo} did not answer for {ModelPath}: {Error}")]
    private static partial void LogSourceFailed(ILogger logger, string silo, string modelPath, string error);
}
