using DistInfer.Runtime.Streams;

namespace DistInfer.Runtime.Tests.Grains;

[ImplicitStreamSubscription(Namespace, ImplicitOnly = true)]
public sealed class ImplicitOnlyConsumerGrain : Grain, IImplicitOnlyConsumerGrain
{
    public const string Namespace = "implicit-only";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        await this.GetStreamProvider("memory").GetStream<int>(StreamId.Create(Namespace, key))
            .SubscribeAsync((item, _) => StreamLog.RecordAsync(Namespace + "-" + key, item));
    }

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}
