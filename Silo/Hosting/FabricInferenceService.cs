using System.Collections.Concurrent;
using DistInfer.Engine.Config;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Engine.Tokenization;
using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Hosting;

/// <summary>Serves the HTTP API from the cluster: every request goes through this silo's <see cref="FabricFront"/>.</summary>
public sealed class FabricInferenceService(FabricFront front) : IInferenceService
{
    private readonly ConcurrentDictionary<string, ServedModel> _models = new(StringComparer.Ordinal);

    public IReadOnlyList<ServedModel> Models => [.. _models.Values];

    /// <summary>
    /// Models served here, deployed through this silo's front, or recorded on this silo (the registry copies every
    /// deployment's record to each active silo), so a model deployed elsewhere is listed before its first request.
    /// </summary>
    public IReadOnlyList<string> ModelNames
    {
        get
        {
            var names = new SortedSet<string>(_models.Keys, StringComparer.Ordinal);
            foreach (var info in front.Known)
            {
                names.Add(info.Name);
            }

            return [.. names];
        }
    }

    public (int Running, int Waiting) Load => front.Load;

    /// <summary>
    /// Makes a deployed model known to the API: its tokenizer and config come from the model path, or from the model
    /// cache when this silo does not have the path (shipped from a silo that does).
    /// </summary>
    public async Task<ServedModel> RegisterAsync(DeploymentInfo info)
    {
        if (_models.TryGetValue(info.Name, out var known))
        {
            return known;
        }

        var directory = await front.ModelDirectoryAsync(info).ConfigureAwait(false);
        var model = new ServedModel(info.Name, ModelConfigReader.Load(directory), BpeTokenizer.FromDirectory(directory), ChatTemplateReader.TryRead(directory),
            new DateTimeOffset(info.DeployedUtc, TimeSpan.Zero));
        return _models.GetOrAdd(info.Name, model);
    }

    /// <summary>Models this silo has registered or already learnt; <see cref="FindAsync"/> also asks the registry.</summary>
    public ServedModel? Find(string name) => _models.GetValueOrDefault(name);

    public async ValueTask<ServedModel?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        if (_models.TryGetValue(name, out var model))
        {
            return model;
        }

        // Deployed from another silo: learn it from its registry.
        try
        {
            return await RegisterAsync(await front.DescribeAsync(name).WaitAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (ModelNotFoundException)
        {
            return null;
        }
    }

    public IAsyncEnumerable<TokenEvent> GenerateAsync(string model, int[] promptIds, SamplingParams parameters, CancellationToken cancellationToken) =>
        front.GenerateAsync(model, promptIds, parameters, cancellationToken);
}
