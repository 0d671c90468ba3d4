namespace DistInfer.Runtime.Tests.Grains;

public interface IRedisImplicitConsumerGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();
}
