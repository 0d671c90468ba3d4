namespace DistInfer.Runtime.Tests.Grains;

public interface ILargeItemConsumerGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();
}
