namespace DistInfer.Runtime.Streams;

/// <summary>One per stream (key "provider/namespace/key"): remembers its explicit subscriptions.</summary>
public interface IPubSubRendezvousGrain : IGrainWithStringKey
{
    Task Subscribe(Guid handleId, GrainId consumer);

    Task Unsubscribe(Guid handleId);

    Task<List<StreamSubscription>> GetSubscriptions();
}
