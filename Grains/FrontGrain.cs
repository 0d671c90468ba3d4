using DistInfer.Engine.Generation;
using DistInfer.Grains.Fabric;
using DistInfer.Runtime;
using DistInfer.Runtime.Cluster;

namespace DistInfer.Grains;

/// <summary>Clients' way in: deploy, generate (non-streaming) and status, served by this silo's <see cref="FabricFront"/>.</summary>
[StatelessWorker]
public sealed class FrontGrain(FabricFront front, GenerationSessions sessions, IClusterMembershipService membership) : Grain, IFrontGrain
{
    public Task<DeploymentInfo> Deploy(string name, DeploymentRequest request) => front.DeployAsync(name, request);

    public async Task<int[]> Encode(string model, string text) => (await front.TokenizerAsync(model)).Encode(text);

    public async Task<string> Decode(string model, int[] ids) => (await front.TokenizerAsync(model)).Decode(ids);

    public Task<string> Start(GenerateRequest request)
    {
        if (request.Prompts.Count != 1)
        {
            throw new ArgumentException($"Start takes one prompt (got {request.Prompts.Count})");
        }

        return Task.FromResult(sessions.Start(front.GenerateAsync(request.Model, request.Prompts[0], Parameters(request))));
    }

    public Task<GenerationChunk> Next(string generationId, int waitMilliseconds) =>
        sessions.NextAsync(generationId, TimeSpan.FromMilliseconds(Math.Clamp(waitMilliseconds, 0, 30_000)));

    private static SamplingParams Parameters(GenerateRequest request) => new()
    {
        MaxNewTokens = request.MaxNewTokens,
        MinNewTokens = request.MinNewTokens,
        Temperature = request.Temperature,
        TopK = request.TopK,
        TopP = request.TopP,
        TopLogprobs = request.TopLogprobs,
        Seed = request.Seed is { } seed ? (ulong)seed : null,
    };

    public async Task<GenerateResponse> Generate(GenerateRequest request)
    {
        var parameters = Parameters(request);
        var runs = request.Prompts.Select(async prompt =>
        {
            var tokens = new List<int>();
            FinishReason? finish = null;
            await foreach (var e in front.GenerateAsync(request.Model, prompt, parameters))
            {
                if (e.TokenId >= 0)
                {
                    tokens.Add(e.TokenId);
                }

                finish = e.FinishReason ?? finish;
            }

            return (Tokens: tokens.ToArray(), Finish: (finish ?? FinishReason.Length).ToString().ToLowerInvariant());
        }).ToArray();
        var results = await Task.WhenAll(runs);
        return new GenerateResponse { Generated = [.. results.Select(r => r.Tokens)], FinishReasons = [.. results.Select(r => r.Finish)] };
    }

    public async Task<ClusterStatus> Status()
    {
        var experts = new List<ExpertPlacementRow>();
        var stages = new List<StagePlacementRow>();
        foreach (var deployed in front.Deployed)
        {
            // The registry holds the current expert replica set (the balancer changes it); the front's copy may be older.
            var info = await GrainFactory.GetGrain<IModelRegistryGrain>(deployed.Name).Describe() ?? deployed;
            var outstanding = new Dictionary<string, long>(StringComparer.Ordinal);
            for (var r = 0; r < info.Replicas; r++)
            {
                for (var s = 0; s < info.Stages; s++)
                {
                    var st = await GrainFactory.GetGrain<IStageGrain>(new StageKey(info.Name, r, s).ToString()).Status();
                    stages.Add(new StagePlacementRow { Model = info.Name, Replica = r, Stage = s, Silo = st.Silo, Steps = st.Steps, BusySeconds = st.BusySeconds, LiveSequences = st.LiveSequences, Utilisation = st.Utilisation });
                    foreach (var d in st.Dispatch)
                    {
                        outstanding[d.Key] = outstanding.GetValueOrDefault(d.Key) + d.Outstanding;
                    }
                }
            }

            foreach (var x in info.ExpertReplicaSet)
            {
                var es = await GrainFactory.GetGrain<IExpertGrain>(x.Key).Status();
                experts.Add(new ExpertPlacementRow
                {
                    Model = info.Name,
                    Layer = x.Layer,
                    Expert = x.Expert,
                    Replica = x.Replica,
                    Key = x.Key,
                    Silo = es.Silo,
                    Tokens = es.Tokens,
                    Outstanding = outstanding.GetValueOrDefault(x.Key),
                });
            }
        }

        var silos = membership.Current.Silos.Select(s => new SiloStatusRow
        {
            Name = s.Name,
            Address = s.Address.ToString(),
            Status = s.Status.ToString(),
            Roles = [.. s.Roles],
            MemoryTotalBytes = s.Statistics.MemoryTotalBytes,
            MemoryAvailableBytes = s.Statistics.MemoryAvailableBytes,
            Activations = s.Statistics.ActivationCount,
            CpuUsage = s.Statistics.CpuUsage,
            StageActivations = stages.Count(x => x.Silo == s.Address.ToString()),
            ExpertActivations = experts.Count(x => x.Silo == s.Address.ToString()),
        }).ToList();
        var deployments = new List<DeploymentProgress>();
        foreach (var name in front.Deployed.Select(d => d.Name).Concat(front.Deploying).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            deployments.Add(await GrainFactory.GetGrain<IModelRegistryGrain>(name).Progress());
        }

        return new ClusterStatus { Silos = silos, Experts = experts, Stages = stages, Deployments = deployments };
    }
}
