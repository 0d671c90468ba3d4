namespace DistInfer.Grains.Fabric;

/// <summary>How the fabric runs steps through a pipeline.</summary>
public sealed class FabricOptions
{
    /// <summary>
    /// Micro-batches a step is split into (at most one per sequence); at least the stage count keeps every stage
    /// busy. 0: as many as the deployment has stages.
    /// </summary>
    public int MicroBatches { get; set; }

    /// <summary>
    /// Silo setting: a stage sends the tokens of all experts of a layer whose picked replicas are on the same other
    /// silo in one call (to that silo's <see cref="IExpertHostGrain"/>) instead of one call per expert. On by default.
    /// </summary>
    public bool GroupExpertCallsBySilo { get; set; } = true;

    /// <summary>
    /// Silo setting: a stage on a silo that drains hands its sequences' KV caches to its next activation (see
    /// Grains/PIPELINE.md), so they go on without a re-prefill. On by default.
    /// </summary>
    public bool HandOffStagesOnDrain { get; set; } = true;

    /// <summary>
    /// Most tokens one stage call carries. A micro-batch with more (a long prompt beside decodes, or a re-prefill of
    /// every sequence's history after a fault) goes through the pipeline as several steps in order, a long sequence
    /// split across them (its cache grows chunk by chunk); its logits come from the step with its last token. The
    /// default is what a GPU stage of this machine's environment takes (DISTINFER_CUDA_STAGE_TOKENS, else 2048); 0: no
    /// limit.
    /// </summary>
    public int MaxStageStepTokens { get; set; } = Engine.Cuda.CudaStageOptions.MaxTokensFromEnvironment();

    /// <summary>
    /// Silo setting: most sequences whose KV caches a CPU stage holds at once; 0 (the default): no limit. A GPU stage
    /// holds as many as its slots (DISTINFER_CUDA_STAGE_SEQUENCES). A step bringing more new sequences than there is
    /// room for runs without them; they wait in their batcher's queue (several gateways' batchers may share a stage).
    /// </summary>
    public int StageMaxSequences { get; set; }

    /// <summary>How micro-batches go from stage to stage (see Grains/PIPELINE.md).</summary>
    public PipelineTransport Transport { get; set; } = PipelineTransport.Streams;

    /// <summary>
    /// Streams transport: how long a micro-batch may go without a result before the executor asks the stages
    /// whether one of them still holds it; held nowhere twice in a row means lost (a stage's silo died after taking
    /// it), and the step fails into recovery instead of waiting.
    /// </summary>
    public TimeSpan StallCheckPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a failed step keeps being retried (with a re-prefill) before its requests fail. It must outlast
    /// death detection (about 5-7 s with the default membership settings): until a killed silo is declared dead,
    /// calls to its grains fail; afterwards they reactivate on the survivors.
    /// </summary>
    public TimeSpan RecoveryWindow { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Wait before a retry, times the attempt number, at most <see cref="MaxRecoveryBackoff"/>.</summary>
    public TimeSpan RecoveryBackoff { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxRecoveryBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A stage drops a sequence's KV cache that no step used for this long: its release never came (a stale
    /// micro-batch recreated the cache after it), and every running sequence takes part in every step.
    /// </summary>
    public TimeSpan OrphanCacheAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// When set, a model deployed through this front is rebalanced on this period (its expert balancer grain's
    /// timer) with <see cref="Rebalance"/>. Off by default: rebalance on demand through IExpertBalancerGrain.
    /// </summary>
    public TimeSpan? RebalancePeriod { get; set; }

    /// <summary>
    /// When a silo that hosts expert grains joins and becomes Active, rebalance the models deployed before it joined
    /// so their experts spread onto it (with <see cref="Rebalance"/>, spreading evenly when no load was observed yet).
    /// One silo acts (the oldest active expert silo). On by default.
    /// </summary>
    public bool RebalanceOnJoin { get; set; } = true;

    /// <summary>
    /// When a silo that hosted expert grains is declared dead (not after a graceful leave, whose drain moved them),
    /// re-pin the replicas it held onto live silos holding no other replica of their expert (dropping those no live
    /// silo is free for), in every deployed model, at once and without touching the other replicas. One silo acts
    /// (the oldest active expert silo). On by default.
    /// </summary>
    public bool RepairOnSiloDeath { get; set; } = true;

    /// <summary>
    /// Tries of each model's repair after a silo death (at least 1). A repair can fail right after the verdict, while
    /// some directory still points at the dead silo ("Cannot connect"); nothing else would retry it. Only such failures
    /// (a lost silo, connection or timeout) are tried again; any other fails the same way each time and ends at once.
    /// </summary>
    public int RepairAttempts { get; set; } = 5;

    /// <summary>Wait before the second try of a failed repair; each later try waits that much longer again.</summary>
    public TimeSpan RepairRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Wait after a join before rebalancing, so that silos starting together cause one rebalance.</summary>
    public TimeSpan JoinSettleDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Least time between two rebalances caused by joins; a join inside it waits for its end.</summary>
    public TimeSpan JoinRebalanceCooldown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Slot budget and replica cap of periodic rebalancing and of rebalancing on join.</summary>
    public RebalanceRequest Rebalance { get; set; } = new();
}
