namespace DistInfer.Runtime.Tests.Grains;

/// <summary>No grain class implements this: calls must fail with a clear unknown-grain-type error.</summary>
public interface IUnimplementedGrain : IGrainWithStringKey
{
    Task<int> Anything();
}
