namespace DistInfer.Runtime.Tests.Grains;

public interface IResourceOptimizedGrain : IPlacedGrain
{
}
