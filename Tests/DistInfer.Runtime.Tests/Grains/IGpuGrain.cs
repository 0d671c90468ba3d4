namespace DistInfer.Runtime.Tests.Grains;

public interface IGpuGrain : IPlacedGrain
{
}
