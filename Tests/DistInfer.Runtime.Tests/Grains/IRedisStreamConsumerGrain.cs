using DistInfer.Runtime.Streams;

namespace DistInfer.Runtime.Tests.Grains;

public interface IRedisStreamConsumerGrain : IGrainWithStringKey
{
    Task Subscribe();

    /// <summary>Re-attaches every handle, first redelivering from <paramref name="token"/>.</summary>
    Task ResumeFrom(StreamSequenceToken token);

    Task<string> WhereAmI();

    Task Deactivate();
}
