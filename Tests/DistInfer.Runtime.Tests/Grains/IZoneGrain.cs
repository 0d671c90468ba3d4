namespace DistInfer.Runtime.Tests.Grains;

public interface IZoneGrain : IPlacedGrain
{
}
