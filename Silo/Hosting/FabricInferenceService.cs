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

    public (int Running, int Waiting) Load => front.Load;

    /// <summary>
    /// Makes a deployed model known to the API: its tokenizer and config come from the model path, or from the model
    /// cache when this silo does not have the path (shipped from a silo that does).
    /// </summary>
    public ServedModel Register(DeploymentInfo info) => _models.GetOrAdd(info.Name, _ =>
    {
        var directory = front.ModelDirectoryAsync(info).GetAwaiter().GetResult();
        return new ServedModel(info.Name, ModelConfigReader.Load(directory), BpeTokenizer.FromDirectory(directory), ChatTemplateReader.TryRead(directory),
            new DateTimeOffset(info.DeployedUtc, TimeSpan.Zero));
    });

    public ServedModel? Find(string name)
    {
        if (_models.TryGetValue(name, out var model))
        {
            return model;
        }

        // Deployed from another silo: learn it from its registry.
        try
        {
            return Register(front.DescribeAsync(name).GetAwaiter().GetResult());
        }
        catch (ModelNotFoundException)
        {
            return null;
        }
    }

    public IAsyncEnumerable<TokenEvent> GenerateAsync(string model, int[] promptIds, SamplingParams parameters, CancellationToken cancellationToken) =>
        front.GenerateAsync(model, promptIds, parameters, cancellationToken);
}
