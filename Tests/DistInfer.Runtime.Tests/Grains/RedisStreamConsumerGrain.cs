using DistInfer.Runtime.Placement;
using DistInfer.Runtime.Streams;

namespace DistInfer.Runtime.Tests.Grains;

/// <summary>
/// Explicit subscriber to ("redis-explicit", own key) through the redis provider. On activation it resumes its
/// handles: from its last recorded token when <see cref="RedisStreamLog.ResumeFromLastToken"/> names it, else live.
/// </summary>
[PreferLocalPlacement]
public sealed class RedisStreamConsumerGrain : Grain, IRedisStreamConsumerGrain
{
    public const string Namespace = "redis-explicit";

    private string Key => this.GetPrimaryKeyString();

    private IAsyncStream<int> Stream => this.GetStreamProvider("redis").GetStream<int>(StreamId.Create(Namespace, Key));

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var from = RedisStreamLog.ResumeFromLastToken.ContainsKey(Key) ? RedisStreamLog.LastToken(Key) : null;
        foreach (var handle in await Stream.GetAllSubscriptionHandles())
        {
            await handle.ResumeAsync(Observer(), from);
        }
    }

    public async Task Subscribe() => await Stream.SubscribeAsync(Observer());

    public async Task ResumeFrom(StreamSequenceToken token)
    {
        foreach (var handle in await Stream.GetAllSubscriptionHandles())
        {
            await handle.ResumeAsync(Observer(), token);
        }
    }

    public async Task<int> UnsubscribeAll()
    {
        foreach (var handle in await Stream.GetAllSubscriptionHandles())
        {
            await handle.UnsubscribeAsync();
        }

        return (await Stream.GetAllSubscriptionHandles()).Count;
    }

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private DelegateObserver<int> Observer() => new((item, token) => RedisStreamLog.RecordAsync(Key, item, token!));
}
