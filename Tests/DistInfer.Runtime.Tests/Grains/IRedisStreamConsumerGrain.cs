using DistInfer.Runtime.Streams;

namespace DistInfer.Runtime.Tests.Grains;

public interface IRedisStreamConsumerGrain : IGrainWithStringKey
{
    Task Subscribe();

    /// <summary>Re-attaches every handle, first redelivering from <paramref name="token"/>.</summary>
    Task ResumeFrom(StreamSequenceToken token);

    /// <summary>Unsubscribes every handle; returns how many handles remain afterwards.</summary>
    Task<int> UnsubscribeAll();

    Task<string> WhereAmI();

    Task Deactivate();
}
