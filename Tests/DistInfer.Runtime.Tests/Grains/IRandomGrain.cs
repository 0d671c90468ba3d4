namespace DistInfer.Runtime.Tests.Grains;

public interface IRandomGrain : IPlacedGrain
{
}
