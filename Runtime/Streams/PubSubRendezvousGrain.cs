using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Streams;

/// <summary>In-memory subscription registry of one stream (memory provider: lives as long as the cluster).</summary>
[HashBasedPlacement]
[CollectionAgeLimit("3650.00:00:00")]
internal sealed class PubSubRendezvousGrain : Grain, IPubSubRendezvousGrain
{
    private readonly List<StreamSubscription> _subscriptions = [];

    public Task Subscribe(Guid handleId, GrainId consumer)
    {
        if (!_subscriptions.Exists(s => s.HandleId == handleId))
        {
            _subscriptions.Add(new StreamSubscription(handleId, consumer));
        }

        return Task.CompletedTask;
    }

    public Task Unsubscribe(Guid handleId)
    {
        _subscriptions.RemoveAll(s => s.HandleId == handleId);
        return Task.CompletedTask;
    }

    public Task<List<StreamSubscription>> GetSubscriptions() => Task.FromResult(new List<StreamSubscription>(_subscriptions));
}
