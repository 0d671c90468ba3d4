using DistInfer.Engine;

namespace DistInfer.Silo.Http;

/// <summary>
/// A model alias: each request goes to <see cref="SmallModel"/> first; when the small model's mean token
/// log-probability over its first <see cref="Tokens"/> tokens is below <see cref="Threshold"/>, the request is
/// answered by <see cref="LargeModel"/> instead. Both models must share the tokenizer.
/// </summary>
public sealed class DynamicRoute
{
    public string Alias { get; set; } = "";
    public string SmallModel { get; set; } = "";
    public string LargeModel { get; set; } = "";

    /// <summary>K: tokens of the small model's answer judged before deciding.</summary>
    public int Tokens { get; set; } = 8;

    /// <summary>Mean natural-log probability per token below which the request escalates (e.g. -2.5).</summary>
    public double Threshold { get; set; } = -2.5;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Alias) || string.IsNullOrWhiteSpace(SmallModel) || string.IsNullOrWhiteSpace(LargeModel))
        {
            throw new DistInferException($"dynamic route '{Alias}' needs Alias, SmallModel and LargeModel");
        }

        if (Tokens < 1)
        {
            throw new DistInferException($"dynamic route '{Alias}': Tokens must be >= 1 (got {Tokens})");
        }

        if (double.IsNaN(Threshold))
        {
            throw new DistInferException($"dynamic route '{Alias}': Threshold is NaN");
        }
    }
}
