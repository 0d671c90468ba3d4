using System.Runtime.ExceptionServices;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Messaging;

namespace DistInfer.Grains;

/// <summary>Clients' way in: deploy, generate (non-streaming) and status, served by this silo's <see cref="FabricFront"/>.</summary>
/// <remarks>
/// Reentrant: a Generate lasts a whole generation and a Next up to its wait, and each would otherwise hold one of the
/// core-count workers, so a silo served that many clients at once and status, cancel and polls queued behind them.
/// The state lives in <see cref="FabricFront"/> and <see cref="GenerationSessions"/>, which take concurrent calls.
/// </remarks>
[StatelessWorker]
[Reentrant]
public sealed partial class FrontGrain(FabricFront front, GenerationSessions sessions, GatewayCounters counters, IClusterMembershipService membership) : Grain, IFrontGrain
{
    public Task<DeploymentInfo> Deploy(string name, DeploymentRequest request) => front.DeployAsync(name, request);

    public Task<UndeployResult> Undeploy(string name, int drainMilliseconds) => front.UndeployAsync(name, TimeSpan.FromMilliseconds(drainMilliseconds));

    public async Task<int[]> Encode(string model, string text) => (await front.TokenizerAsync(model)).Encode(text);

    public async Task<string> Decode(string model, int[] ids) => (await front.TokenizerAsync(model)).Decode(ids);

    public Task<string> Start(GenerateRequest request)
    {
        if (request.Prompts.Count != 1)
        {
            throw new ArgumentException($"Start takes one prompt (got {request.Prompts.Count})");
        }

        if (request.ResumedTokens < 0 || request.ResumedTokens > request.Prompts[0].Length)
        {
            throw new ArgumentException($"resumed tokens must be between 0 and the prompt's {request.Prompts[0].Length} (got {request.ResumedTokens})");
        }

        var parameters = Parameters(request);
        return Task.FromResult(sessions.Start(request.Model, cancellation => front.GenerateAsync(request.Model, request.Prompts[0], parameters, cancellation)));
    }

    public Task<bool> Cancel(string generationId) => Task.FromResult(sessions.Cancel(generationId));

    public Task<List<string>> Gateways()
    {
        var gateways = new List<string>();
        foreach (var silo in membership.Current.ActiveSilos)
        {
            gateways.Add(silo.Gateway);
        }

        return Task.FromResult(gateways);
    }

    public async Task<GenerationChunk> Next(string generationId, int waitMilliseconds)
    {
        try
        {
            return await sessions.NextAsync(generationId, TimeSpan.FromMilliseconds(Math.Clamp(waitMilliseconds, 0, 30_000)));
        }
        catch (SiloUnavailableException e) when (membership.StorageProblem is { } problem)
        {
            throw SiloUnavailableException.WhileStorageDown(e, problem);
        }
    }

    private static SamplingParams Parameters(GenerateRequest request) => new()
    {
        MaxNewTokens = request.MaxNewTokens,
        MinNewTokens = request.MinNewTokens,
        Temperature = request.Temperature,
        TopK = request.TopK,
        TopP = request.TopP,
        TopLogprobs = request.TopLogprobs,
        MinP = request.MinP,
        RepetitionPenalty = request.RepetitionPenalty,
        Seed = request.Seed is { } seed ? (ulong)seed : null,
        RandomDrawsToSkip = request.Temperature > 0 ? Math.Max(0, request.ResumedTokens) : 0,
    };

    public async Task<GenerateResponse> Generate(GenerateRequest request)
    {
        try
        {
            return await GenerateAllAsync(request);
        }
        catch (SiloUnavailableException e) when (membership.StorageProblem is { } problem)
        {
            throw SiloUnavailableException.WhileStorageDown(e, problem);
        }
    }

    private async Task<GenerateResponse> GenerateAllAsync(GenerateRequest request)
    {
        var parameters = Parameters(request);
        using var stop = new CancellationTokenSource();

        // Every prompt checked before any runs, and one failing stops the others: before, when one was refused or
        // failed the rest decoded to their token limit for nobody (and again on the client's retry).
        var sequences = new SequenceRequest[request.Prompts.Count];
        for (var i = 0; i < sequences.Length; i++)
        {
            sequences[i] = new SequenceRequest(request.Prompts[i], parameters, stop.Token);
        }

        IReadOnlyList<IAsyncEnumerable<TokenEvent>> streams;
        try
        {
            streams = await front.StartEachAsync(request.Model, sequences);
        }
        catch (Exception)
        {
            // Refused for capacity after some started: those stop at once.
            await stop.CancelAsync();
            throw;
        }

        var runs = new Task<(int[] Tokens, string Finish)>[streams.Count];
        for (var i = 0; i < runs.Length; i++)
        {
            runs[i] = CollectAsync(request.Model, streams[i], stop);
        }

        try
        {
            var results = await Task.WhenAll(runs);
            return new GenerateResponse { Generated = [.. results.Select(r => r.Tokens)], FinishReasons = [.. results.Select(r => r.Finish)] };
        }
        catch (Exception) when (SiblingFailures.First(runs) is { } first)
        {
            ExceptionDispatchInfo.Throw(first);
            throw;
        }
    }

    private async Task<(int[] Tokens, string Finish)> CollectAsync(string model, IAsyncEnumerable<TokenEvent> stream, CancellationTokenSource stop)
    {
        var tokens = new List<int>();
        FinishReason? finish = null;
        try
        {
            await foreach (var e in stream)
            {
                if (e.TokenId >= 0)
                {
                    tokens.Add(e.TokenId);
                }

                finish = e.FinishReason ?? finish;
            }
        }
        catch (Exception e)
        {
            counters.Generated(model, tokens.Count);
            counters.Finished(model, e is OperationCanceledException ? GatewayCounters.Cancelled : GatewayCounters.Failed);
            await stop.CancelAsync();
            throw;
        }

        var reason = (finish ?? FinishReason.Length).ToString().ToLowerInvariant();
        counters.Generated(model, tokens.Count);
        counters.Finished(model, reason);
        return ([.. tokens], reason);
    }
}
