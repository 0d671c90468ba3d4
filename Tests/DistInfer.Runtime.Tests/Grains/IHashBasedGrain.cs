namespace DistInfer.Runtime.Tests.Grains;

public interface IHashBasedGrain : IPlacedGrain
{
}
