using DistInfer.Runtime.Streams;

namespace DistInfer.Runtime.Tests.Grains;

/// <summary>Consumes byte arrays of any size on its implicit-only namespace and logs each one's checksum.</summary>
[ImplicitStreamSubscription(Namespace, ImplicitOnly = true)]
public sealed class LargeItemConsumerGrain : Grain, ILargeItemConsumerGrain
{
    public const string Namespace = "large-items";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        await this.GetStreamProvider("memory").GetStream<byte[]>(StreamId.Create(Namespace, key))
            .SubscribeAsync((item, _) => StreamLog.RecordAsync(Namespace + "-" + key, Checksum(item)));
    }

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);

    public static int Checksum(byte[] item) => (int)PayloadChecksum.Of(item);
}
