using DistInfer.Runtime.Streams;

namespace DistInfer.Runtime.Tests.Grains;

/// <summary>
/// Consumes <see cref="SharedItem"/>s on its implicit-only namespace and logs, per item, +id when it received the
/// producer's own object and -id when it received a copy with the same values.
/// </summary>
[ImplicitStreamSubscription(Namespace, ImplicitOnly = true)]
public sealed class SharedItemConsumerGrain : Grain, ISharedItemConsumerGrain
{
    public const string Namespace = "shared-items";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        await this.GetStreamProvider("memory").GetStream<SharedItem>(StreamId.Create(Namespace, key))
            .SubscribeAsync((item, _) => StreamLog.RecordAsync(Namespace + "-" + key, Classify(item)));
    }

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);

    private static int Classify(SharedItem item)
    {
        var sent = SharedItem.Sent[item.Id];
        return ReferenceEquals(sent, item) ? item.Id
            : sent.Values.AsSpan().SequenceEqual(item.Values) ? -item.Id
            : throw new InvalidOperationException($"item {item.Id} arrived with other values");
    }
}
