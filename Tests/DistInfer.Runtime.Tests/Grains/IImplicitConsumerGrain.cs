namespace DistInfer.Runtime.Tests.Grains;

public interface IImplicitConsumerGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();
}
