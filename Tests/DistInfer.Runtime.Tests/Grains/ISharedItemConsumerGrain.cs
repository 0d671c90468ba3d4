namespace DistInfer.Runtime.Tests.Grains;

public interface ISharedItemConsumerGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();
}
