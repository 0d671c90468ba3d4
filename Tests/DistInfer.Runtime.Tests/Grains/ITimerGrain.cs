namespace DistInfer.Runtime.Tests.Grains;

public interface ITimerGrain : IGrainWithGuidKey
{
    Task Start(TimeSpan period);

    Task<int> Ticks();
}
