using DistInfer.Runtime.Streams;

namespace DistInfer.Runtime.Tests.Grains;

[ImplicitStreamSubscription("implicit")]
public sealed class ImplicitConsumerGrain : Grain, IImplicitConsumerGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        await this.GetStreamProvider("memory").GetStream<int>(StreamId.Create("implicit", key))
            .SubscribeAsync((item, _) => StreamLog.RecordAsync("implicit-" + key, item));
    }

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}
