namespace DistInfer.Runtime.Tests.Grains;

public interface IActivationCountBasedGrain : IPlacedGrain
{
}
