using DistInfer.Runtime.Placement;
using DistInfer.Runtime.Streams;

namespace DistInfer.Runtime.Tests.Grains;

/// <summary>Explicit subscriber to stream ("explicit", own key); resumes its handles whenever it activates.</summary>
[PreferLocalPlacement]
public sealed class StreamConsumerGrain : Grain, IStreamConsumerGrain
{
    private IAsyncStream<int> Stream => this.GetStreamProvider("memory").GetStream<int>(StreamId.Create("explicit", this.GetPrimaryKeyString()));

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var handle in await Stream.GetAllSubscriptionHandles())
        {
            await handle.ResumeAsync(new DelegateObserver<int>((item, _) => StreamLog.RecordAsync(this.GetPrimaryKeyString(), item)));
        }
    }

    public async Task Subscribe() => await Stream.SubscribeAsync((item, _) => StreamLog.RecordAsync(this.GetPrimaryKeyString(), item));

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
