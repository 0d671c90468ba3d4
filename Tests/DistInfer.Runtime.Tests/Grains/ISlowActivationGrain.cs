namespace DistInfer.Runtime.Tests.Grains;

public interface ISlowActivationGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();
}
