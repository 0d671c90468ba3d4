using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// The entry for clients outside the cluster: runs requests through the silo's front (least-loaded pipeline
/// replica, continuous batching). Any key; a stateless worker on every silo.
/// </summary>
public interface IFrontGrain : IGrainWithStringKey
{
    [ResponseTimeout("00:30:00")]
    Task<DeploymentInfo> Deploy(string name, DeploymentRequest request);

    /// <summary>Undeploys through the model's registry (see <see cref="IModelRegistryGrain.Undeploy"/>).</summary>
    [ResponseTimeout("00:30:00")]
    Task<UndeployResult> Undeploy(string name, int drainMilliseconds);

    [ResponseTimeout("00:30:00")]
    Task<GenerateResponse> Generate(GenerateRequest request);

    Task<ClusterStatus> Status();

    /// <summary>HOST:PORT of every active silo's client gateway: where a client may go on when its gateway dies.</summary>
    Task<List<string>> Gateways();

    /// <summary>Starts one prompt's generation on this silo and returns its id, for <see cref="Next"/>.</summary>
    Task<string> Start(GenerateRequest request);

    /// <summary>
    /// The tokens produced since the last call (waiting up to <paramref name="waitMilliseconds"/> for at least one) and,
    /// once the sequence ended, its finish reason. Streams tokens to clients outside the cluster by long polling.
    /// </summary>
    Task<GenerationChunk> Next(string generationId, int waitMilliseconds);

    /// <summary>
    /// Stops a generation started with <see cref="Start"/> (its batch slot and KV cache are freed); false when it had
    /// already finished and been read. A generation nobody polls for a while is stopped the same way.
    /// </summary>
    Task<bool> Cancel(string generationId);

    /// <summary>Token ids of <paramref name="text"/> with the model's tokenizer (clients need not have the files).</summary>
    Task<int[]> Encode(string model, string text);

    Task<string> Decode(string model, int[] ids);
}
