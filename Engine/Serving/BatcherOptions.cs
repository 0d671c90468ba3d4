namespace DistInfer.Engine.Serving;

/// <summary>Limits of the continuous batcher.</summary>
public sealed class BatcherOptions
{
    /// <summary>Sequences decoded together at most.</summary>
    public int MaxRunning { get; set; } = 64;

    /// <summary>
    /// Sequences queued beyond a full running batch; more are refused (HTTP 429). A request's sequences are admitted
    /// together, so one with more than MaxRunning + MaxWaiting can never be (HTTP 400).
    /// </summary>
    public int MaxWaiting { get; set; } = 256;

    /// <summary>Prompt tokens admitted into one step, so a long prompt does not stall running decodes for long.</summary>
    public int MaxPrefillTokensPerStep { get; set; } = 2048;

    /// <summary>
    /// How long sequences wait before they try again after a step could not start them (a stage held as many KV
    /// caches as it may, <see cref="SequencesDeferredException"/>); meanwhile the running ones go on.
    /// </summary>
    public TimeSpan DeferredRetryDelay { get; set; } = TimeSpan.FromMilliseconds(20);
}
