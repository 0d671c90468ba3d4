namespace DistInfer.Engine.Serving;

/// <summary>Limits of the continuous batcher.</summary>
public sealed class BatcherOptions
{
    /// <summary>Sequences decoded together at most.</summary>
    public int MaxRunning { get; set; } = 64;

    /// <summary>Requests queued beyond the running batch; more are refused (HTTP 429).</summary>
    public int MaxWaiting { get; set; } = 256;

    /// <summary>Prompt tokens admitted into one step, so a long prompt does not stall running decodes for long.</summary>
    public int MaxPrefillTokensPerStep { get; set; } = 2048;
}
