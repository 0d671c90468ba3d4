using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Tests.Grains;

[PreferLocalPlacement]
public sealed class PayloadGrain : Grain, IPayloadGrain
{
    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);

    public Task<long> Checksum(byte[] data) => Task.FromResult(PayloadChecksum.Of(data));

    public Task<double> FloatSum(float[] data) => Task.FromResult(PayloadChecksum.Sum(data));

    public Task<string> Describe(byte[] first, int middle, float[] second) =>
        Task.FromResult($"{first.Length}:{PayloadChecksum.Of(first)}|{middle}|{second.Length}:{PayloadChecksum.Sum(second)}");

    public Task<byte[]> Reversed(byte[] data)
    {
        var copy = (byte[])data.Clone();
        Array.Reverse(copy);
        return Task.FromResult(copy);
    }
}
