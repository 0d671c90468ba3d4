namespace DistInfer.Runtime.Tests.Grains;

public interface IStreamConsumerGrain : IGrainWithStringKey
{
    Task Subscribe();

    Task<string> WhereAmI();

    Task Deactivate();
}
