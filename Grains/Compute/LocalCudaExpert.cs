using DistInfer.Engine.Cuda;

namespace DistInfer.Grains.Compute;

/// <summary>
/// An expert replica's weights on this silo's GPU as its grain registered them, with the tokens stage grains of
/// this silo ran through it on the device (routed there without a call to the grain; the grain reports them).
/// </summary>
public sealed class LocalCudaExpert(CudaExpert weights)
{
    private long _tokens;
    private long _calls;

    public CudaExpert Weights { get; } = weights;

    public long Tokens => Interlocked.Read(ref _tokens);

    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>A stage ran <paramref name="tokens"/> tokens through the expert on the device in one layer pass.</summary>
    public void Served(long tokens)
    {
        Interlocked.Add(ref _tokens, tokens);
        Interlocked.Increment(ref _calls);
    }
}
