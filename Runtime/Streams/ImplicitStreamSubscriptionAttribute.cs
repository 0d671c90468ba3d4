namespace DistInfer.Runtime.Streams;

/// <summary>
/// Every stream in this namespace is delivered to the grain of this class whose key is the stream key; the grain
/// attaches its observer with SubscribeAsync in OnActivateAsync.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class ImplicitStreamSubscriptionAttribute(string streamNamespace) : Attribute
{
    public string Namespace { get; } = streamNamespace;

    /// <summary>
    /// The namespace has no explicit subscriptions (Orleans' ImplicitOnly pub-sub): producers deliver straight to
    /// the implicit subscribers without asking the stream's rendezvous grain, so an item costs one message, and an
    /// explicit SubscribeAsync on such a stream is refused.
    /// </summary>
    public bool ImplicitOnly { get; init; }
}
