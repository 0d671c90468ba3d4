namespace DistInfer.Runtime.Tests.Grains;

/// <summary>Base of the placement test interfaces (also exercises inherited grain methods).</summary>
public interface IPlacedGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();
}
