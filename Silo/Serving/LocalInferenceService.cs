using DistInfer.Engine;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DistInfer.Silo.Serving;

/// <summary>Serves models loaded in this process, each through its own continuous batcher.</summary>
public sealed class LocalInferenceService(ILogger<LocalInferenceService>? logger = null) : IInferenceService, IAsyncDisposable
{
    private readonly Dictionary<string, (ServedModel Model, ContinuousBatcher Batcher)> _models = new(StringComparer.Ordinal);
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public IReadOnlyList<ServedModel> Models => [.. _models.Values.Select(m => m.Model)];

    public (int Running, int Waiting) Load
    {
        get
        {
            int running = 0, waiting = 0;
            foreach (var (_, batcher) in _models.Values)
            {
                running += batcher.Running;
                waiting += batcher.Waiting;
            }

            return (running, waiting);
        }
    }

    /// <summary>
    /// Loads a model directory (config.json, safetensors, tokenizer.json) under <paramref name="name"/>;
    /// <paramref name="executor"/> may wrap the executor that runs its steps (tests hold steps back with it).
    /// </summary>
    public ServedModel Add(string name, string modelDir, BatcherOptions? options = null, IGemm? gemm = null, Func<IBatchExecutor, IBatchExecutor>? executor = null)
    {
        var model = TransformerModel.Load(modelDir, gemm ?? Gemm.Default);
        var served = ServedModelLoader.Load(name, modelDir, model.Config, DateTimeOffset.UtcNow, _logger);
        _models[name] = (served, new ContinuousBatcher(executor?.Invoke(new LocalBatchExecutor(model)) ?? new LocalBatchExecutor(model), model.Config.EosTokenIds, options));
        return served;
    }

    public ServedModel? Find(string name) => _models.TryGetValue(name, out var m) ? m.Model : null;

    public ValueTask<IReadOnlyList<IAsyncEnumerable<TokenEvent>>> StartAsync(string model, IReadOnlyList<SequenceRequest> sequences, CancellationToken cancellationToken) =>
        _models.TryGetValue(model, out var m)
            ? new(m.Batcher.GenerateAll(sequences))
            : throw new DistInferException($"model '{model}' is not deployed");

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, batcher) in _models.Values)
        {
            await batcher.DisposeAsync().ConfigureAwait(false);
        }
    }
}
