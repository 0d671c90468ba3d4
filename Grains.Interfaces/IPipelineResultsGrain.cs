using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// Key: a batch executor's results stream key. Consumes that stream (implicit subscription) and hands each
/// micro-batch's result to the executor's <see cref="Take"/>, whichever comes first.
/// </summary>
public interface IPipelineResultsGrain : IGrainWithStringKey
{
    /// <summary>The logits of micro-batch <paramref name="id"/> once the last stage delivered them; throws its error.</summary>
    /// <remarks>The grain forgets a result once taken, so a local call hands the array over uncopied.</remarks>
    [AlwaysInterleave]
    [ResponseTimeout("00:05:00")]
    [return: Immutable]
    Task<float[]> Take(long id);

    /// <summary>Whether the result of <paramref name="id"/> arrived and waits here (stall checks).</summary>
    [AlwaysInterleave]
    Task<bool> Holds(long id);

    /// <summary>The executor gave up on <paramref name="id"/> (retried it under a new id): drop its result.</summary>
    [AlwaysInterleave]
    Task Abandon(long id);
}
