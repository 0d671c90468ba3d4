using System.Collections.Concurrent;
using DistInfer.Engine.Config;
using DistInfer.Engine.Serving;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Silo.Serving;
using Microsoft.Extensions.Logging;

namespace DistInfer.Silo.Hosting;

/// <summary>Serves the HTTP API from the cluster: every request goes through this silo's <see cref="FabricFront"/>.</summary>
public sealed class FabricInferenceService(FabricFront front, ILogger<FabricInferenceService> logger) : IInferenceService
{
    /// <summary>
    /// What the API learnt of each model (tokenizer, config), with the checkpoint it came from: an entry is used only
    /// while that checkpoint is the one deployed under the name (undeployed, or another checkpoint deployed since: not).
    /// </summary>
    private readonly ConcurrentDictionary<string, (ServedModel Model, string Checkpoint)> _models = new(StringComparer.Ordinal);

    public IReadOnlyList<ServedModel> Models
    {
        get
        {
            var known = KnownByName();
            var models = new List<ServedModel>(_models.Count);
            foreach (var (name, entry) in _models)
            {
                if (known.TryGetValue(name, out var info) && entry.Checkpoint == Checkpoint(info))
                {
                    models.Add(entry.Model);
                }
            }

            return models;
        }
    }

    /// <summary>
    /// Models deployed through this silo's front or recorded on this silo (the registry copies every deployment's
    /// record to each active silo), so a model deployed elsewhere is listed before its first request, and an
    /// undeployed one no longer is.
    /// </summary>
    public IReadOnlyList<string> ModelNames => [.. new SortedSet<string>(KnownByName().Keys, StringComparer.Ordinal)];

    public (int Running, int Waiting) Load => front.Load;

    /// <summary>
    /// Makes a deployed model known to the API: its tokenizer and config come from the model path, or from the model
    /// cache when this silo does not have the path (shipped from a silo that does).
    /// </summary>
    public async Task<ServedModel> RegisterAsync(DeploymentInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var checkpoint = Checkpoint(info);
        if (_models.TryGetValue(info.Name, out var known) && known.Checkpoint == checkpoint)
        {
            return known.Model;
        }

        var directory = await front.ModelDirectoryAsync(info).ConfigureAwait(false);
        if (!File.Exists(Path.Combine(directory, "tokenizer.json")))
        {
            // Deployed for token-id files only: the text API cannot serve it, which is the request's to know (400);
            // a tokenizer that is there but unreadable is the silo's fault (500).
            throw new Http.ApiException(400, $"model {info.Name} has no tokenizer.json: it serves token ids through distinfer generate --input, not text", param: "model", code: "model_has_no_tokenizer");
        }

        var model = ServedModelLoader.Load(info.Name, directory, ModelConfigReader.Load(directory), new DateTimeOffset(info.DeployedUtc, TimeSpan.Zero), logger);
        _models[info.Name] = (model, checkpoint);
        return model;
    }

    /// <summary>A model this silo has registered and that is still deployed; <see cref="FindAsync"/> also asks the registry.</summary>
    public ServedModel? Find(string name) =>
        _models.TryGetValue(name, out var entry) && KnownByName().TryGetValue(name, out var info) && entry.Checkpoint == Checkpoint(info) ? entry.Model : null;

    public async ValueTask<ServedModel?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        if (Find(name) is { } model)
        {
            return model;
        }

        // Deployed from another silo (or again, with another checkpoint): learn it from its registry.
        try
        {
            return await RegisterAsync(await front.DescribeAsync(name).WaitAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (ModelNotFoundException)
        {
            _models.TryRemove(name, out _);
            return null;
        }
    }

    private Dictionary<string, DeploymentInfo> KnownByName()
    {
        var known = new Dictionary<string, DeploymentInfo>(StringComparer.Ordinal);
        foreach (var info in front.Known)
        {
            known.TryAdd(info.Name, info);
        }

        return known;
    }

    private static string Checkpoint(DeploymentInfo info) => info.ModelPath + "\n" + info.CheckpointFingerprint;

    public async ValueTask<IReadOnlyList<IAsyncEnumerable<TokenEvent>>> StartAsync(string model, IReadOnlyList<SequenceRequest> sequences, CancellationToken cancellationToken) =>
        await front.StartAsync(model, sequences).WaitAsync(cancellationToken).ConfigureAwait(false);
}
