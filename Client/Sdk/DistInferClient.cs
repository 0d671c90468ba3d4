using System.Runtime.CompilerServices;
using DistInfer.Grains;
using DistInfer.Runtime;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Messaging;
using Microsoft.Extensions.Options;

namespace DistInfer.Client;

/// <summary>
/// The .NET SDK: deploy models, generate with tokens streamed as they are produced, and read the cluster's status,
/// over the cluster client (any silo's gateway).
/// </summary>
public sealed class DistInferClient : IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly ClusterClient? _owned;
    private readonly TimeSpan _pollWait;

    public DistInferClient(IGrainFactory grains, TimeSpan? pollWait = null)
    {
        // The generated proxies register themselves when their assembly's module initializer runs.
        RuntimeHelpers.RunModuleConstructor(typeof(IFrontGrain).Module.ModuleHandle);
        _grains = grains;
        _pollWait = pollWait ?? TimeSpan.FromSeconds(1);
    }

    private DistInferClient(ClusterClient client, TimeSpan pollWait)
        : this((IGrainFactory)client, (TimeSpan?)pollWait)
    {
        _owned = client;
    }

    /// <summary>Connects to the cluster through the given gateways.</summary>
    public static async Task<DistInferClient> ConnectAsync(DistInferClientOptions options, CancellationToken cancellationToken = default)
    {
        var clientOptions = new ClusterClientOptions { ClusterId = options.ClusterId };
        foreach (var gateway in options.Gateways)
        {
            clientOptions.Gateways.Add(gateway);
        }

        var client = new ClusterClient(Options.Create(clientOptions));
        await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        return new DistInferClient(client, options.PollWait) { ResumeWindow = options.ResumeWindow };
    }

    private IFrontGrain Front => _grains.GetGrain<IFrontGrain>("sdk");

    /// <summary>
    /// Deploys a checkpoint directory (as the silos see it); completes when every activation has its weights. A
    /// deployed name takes only its own checkpoint again (other stages or replicas); another one fails.
    /// </summary>
    public Task<DeploymentInfo> DeployAsync(string name, DeploymentRequest request) => Front.Deploy(name, request);

    /// <summary>
    /// Stops serving a model everywhere and frees its stages' and experts' memory; running requests get
    /// <paramref name="drain"/> (default 30 s) to finish. The name is free afterwards, for any checkpoint.
    /// </summary>
    public Task<UndeployResult> UndeployAsync(string name, TimeSpan? drain = null) =>
        Front.Undeploy(name, (int)Math.Clamp((drain ?? TimeSpan.FromSeconds(30)).TotalMilliseconds, 0, int.MaxValue));

    public Task<ClusterStatus> StatusAsync() => Front.Status();

    /// <summary>Every activation's weight loading (and shipping) for a model, readable while <see cref="DeployAsync"/> runs.</summary>
    public Task<DeploymentProgress> DeployProgressAsync(string name) => _grains.GetGrain<IModelRegistryGrain>(name).Progress();

    /// <summary>Per expert replica load since the last rebalance, and balancedness (mean / max tokens per slot).</summary>
    public Task<ExpertLoadReport> ExpertLoadAsync(string model) => _grains.GetGrain<IExpertBalancerGrain>(model).Report();

    /// <summary>Replicates hot experts and moves replicas by the load since the last rebalance.</summary>
    public Task<RebalanceResult> RebalanceAsync(string model, RebalanceRequest? request = null) =>
        _grains.GetGrain<IExpertBalancerGrain>(model).Rebalance(request ?? new RebalanceRequest());

    /// <summary>Streams the continuation of a text prompt, encoded and decoded with the model's tokenizer.</summary>
    public async IAsyncEnumerable<TokenChunk> GenerateAsync(string model, string prompt, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var ids = await Front.Encode(model, prompt).ConfigureAwait(false);
        var all = new List<int>();
        var text = string.Empty;
        await foreach (var chunk in GenerateAsync(model, ids, options, cancellationToken).ConfigureAwait(false))
        {
            all.AddRange(chunk.Tokens);
            // Decode everything so far and hand out the new part, so characters split over tokens come out whole.
            var full = await Front.Decode(model, [.. all]).ConfigureAwait(false);
            var complete = chunk.FinishReason is not null ? full : full.TrimEnd('\uFFFD');
            var delta = complete.Length >= text.Length ? complete[text.Length..] : string.Empty;
            text = complete.Length >= text.Length ? complete : text;
            yield return chunk with { Text = delta };
        }
    }

    /// <summary>
    /// Streams generated tokens for a prompt given as token ids. When the gateway dies mid-generation the client goes
    /// on through another silo (learned from the cluster) with the prompt and the tokens it already has, so the
    /// caller sees a delay, not an error: greedy output and seeded sampling continue as they would have
    /// (<see cref="ResumeWindow"/>).
    /// </summary>
    public async IAsyncEnumerable<TokenChunk> GenerateAsync(string model, int[] promptIds, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new GenerationOptions();
        await LearnGatewaysAsync().ConfigureAwait(false);
        var received = new List<int>();
        var id = await Front.Start(Request(model, promptIds, received, options)).ConfigureAwait(false);
        var finished = false;
        long? lostSince = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (chunk, lost) = id is null ? (null, null) : await NextAsync(id, cancellationToken).ConfigureAwait(false);
                if (chunk is null)
                {
                    // The gateway went away (or we now reach another one, which does not run this generation).
                    lostSince ??= Environment.TickCount64;
                    if (Environment.TickCount64 - lostSince > (long)ResumeWindow.TotalMilliseconds)
                    {
                        throw lost ?? new SiloUnavailableException($"generation of {model} lost with its gateway and not resumed within {ResumeWindow.TotalSeconds:0} s");
                    }

                    if (id is not null)
                    {
                        // Only a connection was lost, perhaps: the old run would decode on for nobody until abandoned.
                        _ = CancelQuietlyAsync(id);
                    }

                    id = await ResumeAsync(model, promptIds, received, options, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                lostSince = null;
                received.AddRange(chunk.Tokens);
                finished = chunk.FinishReason is not null;
                if (chunk.Tokens.Length > 0 || finished)
                {
                    yield return new TokenChunk(chunk.Tokens, string.Empty, chunk.FinishReason);
                }

                if (finished)
                {
                    yield break;
                }
            }
        }
        finally
        {
            if (!finished && id is not null)
            {
                // Cancelled, failed, or the caller stopped reading: the silo would otherwise decode on for nobody.
                await CancelQuietlyAsync(id).ConfigureAwait(false);
            }
        }
    }

    /// <summary>How long a generation whose gateway died keeps trying to resume elsewhere (zero: never).</summary>
    public TimeSpan ResumeWindow { get; init; } = TimeSpan.FromMinutes(2);

    private static GenerateRequest Request(string model, int[] promptIds, List<int> received, GenerationOptions options) => new()
    {
        Model = model,
        Prompts = [received.Count == 0 ? promptIds : [.. promptIds, .. received]],
        MaxNewTokens = options.MaxNewTokens - received.Count,
        MinNewTokens = Math.Max(0, options.MinNewTokens - received.Count),
        Temperature = options.Temperature,
        TopK = options.TopK,
        TopP = options.TopP,
        Seed = options.Seed,
        MinP = options.MinP,
        RepetitionPenalty = options.RepetitionPenalty,
        ResumedTokens = received.Count,
    };

    /// <summary>The next chunk, or null with the error when the generation was lost with its gateway.</summary>
    private async Task<(GenerationChunk? Chunk, Exception? Lost)> NextAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            // A cancel does not wait out the poll: the silo is told (finally above), and the poll ends on its own.
            return (await Front.Next(id, (int)_pollWait.TotalMilliseconds).WaitAsync(cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (ResumeWindow > TimeSpan.Zero && e is SiloUnavailableException or GenerationNotFoundException)
        {
            return (null, e);
        }
    }

    /// <summary>Starts the rest of the generation on whichever gateway answers now; null when none does yet.</summary>
    private async Task<string?> ResumeAsync(string model, int[] promptIds, List<int> received, GenerationOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await Front.Start(Request(model, promptIds, received, options)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SiloUnavailableException)
        {
            // No gateway answers yet (the client tried every one it knows): wait a little and try again.
            await Task.Delay(ResumeRetryDelay, cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    private static readonly TimeSpan ResumeRetryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>Tells the cluster client the other silos' gateways, at most every few seconds (best effort).</summary>
    private async Task LearnGatewaysAsync()
    {
        if (_grains is not ClusterClient client || Environment.TickCount64 - Volatile.Read(ref _gatewaysLearned) < 10_000)
        {
            return;
        }

        try
        {
            client.AddGateways(await Front.Gateways().ConfigureAwait(false));
            Volatile.Write(ref _gatewaysLearned, Environment.TickCount64);
        }
        catch (Exception)
        {
            // An older silo, or a gateway busy: the configured ones stay the only ones known.
        }
    }

    private long _gatewaysLearned = long.MinValue / 2;

    private async Task CancelQuietlyAsync(string generationId)
    {
        try
        {
            await Front.Cancel(generationId).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The gateway is gone (then so is the generation's silo, or it stops it when nobody polls) or it failed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned is not null)
        {
            await _owned.DisposeAsync().ConfigureAwait(false);
        }
    }
}
