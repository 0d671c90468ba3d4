namespace DistInfer.Runtime.Tests.Grains;

public interface IFailingActivationGrain : IGrainWithStringKey
{
    Task<int> Call();
}
