using DistInfer.Runtime.Streams;

namespace DistInfer.Runtime.Tests.Grains;

/// <summary>Implicitly subscribed to every "redis-implicit" stream of the redis provider whose key is its own.</summary>
[ImplicitStreamSubscription(Namespace)]
public sealed class RedisImplicitConsumerGrain : Grain, IRedisImplicitConsumerGrain
{
    public const string Namespace = "redis-implicit";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        await this.GetStreamProvider("redis").GetStream<int>(StreamId.Create(Namespace, key))
            .SubscribeAsync((item, token) => RedisStreamLog.RecordAsync(key, item, token!));
    }

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}
