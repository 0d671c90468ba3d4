using System.Diagnostics;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Grains.Compute;

/// <summary>
/// An expert replica's CPU weights as its grain registered them on this silo, with the tokens stage grains of this
/// silo ran through it on their own thread (without a call to the grain; the grain reports them).
/// </summary>
public sealed class LocalExpert(SwiGluWeights weights, bool bf16)
{
    private long _tokens;
    private long _calls;
    private long _computeTicks;

    public SwiGluWeights Weights { get; } = weights;

    public long Tokens => Interlocked.Read(ref _tokens);

    public long Calls => Interlocked.Read(ref _calls);

    public TimeSpan ComputeTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _computeTicks));

    /// <summary>y[rows, H] for a block of token rows, as the grain's Forward computes it; counted as one call.</summary>
    public void Forward(ReadOnlySpan<float> block, int rows, Span<float> output)
    {
        var started = Stopwatch.GetTimestamp();
        Weights.Forward(Gemm.Default, block, rows, output, bf16);
        Interlocked.Add(ref _computeTicks, Stopwatch.GetTimestamp() - started);
        Interlocked.Add(ref _tokens, rows);
        Interlocked.Increment(ref _calls);
    }
}
