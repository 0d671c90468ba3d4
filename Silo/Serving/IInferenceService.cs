using DistInfer.Engine.Serving;

namespace DistInfer.Silo.Serving;

/// <summary>
/// What the HTTP API serves from: the deployed models, their tokenizers, and token streams. In one process it is
/// a continuous batcher per model; in a cluster it goes through the fabric's grains.
/// </summary>
public interface IInferenceService
{
    IReadOnlyList<ServedModel> Models { get; }

    /// <summary>
    /// Names of every model the API can be asked for: in a cluster also those deployed through another silo or the
    /// CLI that this process has not served yet (GET /v1/models lists them).
    /// </summary>
    IReadOnlyList<string> ModelNames
    {
        get
        {
            var names = new List<string>(Models.Count);
            foreach (var m in Models)
            {
                names.Add(m.Name);
            }

            return names;
        }
    }

    /// <summary>The model named <paramref name="name"/>, or null (HTTP 404).</summary>
    ServedModel? Find(string name);

    /// <summary>
    /// As <see cref="Find"/>, but may learn a model this process does not know yet (deployed from another silo)
    /// without blocking a thread.
    /// </summary>
    ValueTask<ServedModel?> FindAsync(string name, CancellationToken cancellationToken = default) => new(Find(name));

    /// <summary>
    /// Starts the sequences of one request (its choices) and returns their token streams: all are admitted or none
    /// is, before any is prefilled. Throws <see cref="OverCapacityException"/> when they do not fit now (429),
    /// <see cref="TooManySequencesException"/> when they never can (400), <see cref="NoReplicaAvailableException"/>
    /// when no replica can serve (503), DistInferException for bad input (400).
    /// </summary>
    ValueTask<IReadOnlyList<IAsyncEnumerable<TokenEvent>>> StartAsync(string model, IReadOnlyList<SequenceRequest> sequences, CancellationToken cancellationToken);

    /// <summary>Requests running and waiting over all models (metrics).</summary>
    (int Running, int Waiting) Load { get; }
}
