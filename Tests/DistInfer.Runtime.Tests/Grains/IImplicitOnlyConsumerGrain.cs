namespace DistInfer.Runtime.Tests.Grains;

public interface IImplicitOnlyConsumerGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();
}
